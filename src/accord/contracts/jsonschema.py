"""JSON Schema (draft 2020-12) of one record, to an ODCS contract and back.

Patterns mean the same on both sides (searched anywhere: ODCS follows JSON Schema), so they are copied as they
are. A field that is not required may be ``null``. An array of scalars is an ODCS array (``items`` with their
own constraints, ``minItems``, ``maxItems``, ``uniqueItems``). What accord does not import (nested objects,
arrays of arrays or objects, ``oneOf``/``anyOf``, other keywords) is reported by name.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from accord.contracts.formats import FORMATS
from accord.contracts.model import Contract, Field
from accord.contracts.tableschema import PHYSICAL, Imported

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_SCALARS = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}
_DATES = {"date": "date", "time": "time", "date-time": "timestamp"}
_KNOWN = {"type", "format", "description", "title", "examples", "enum", "pattern", "minLength", "maxLength",
          "minimum", "maximum", "constraints"}
_ARRAY_OPTIONS = ("minItems", "maxItems", "uniqueItems")


def _type(spec: dict[str, Any]) -> tuple[str | None, bool]:
    """The logical type of a property schema and whether it allows null."""
    kinds = spec.get("type")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds or [])
    nullable = "null" in kinds
    kinds = [k for k in kinds if k != "null"]
    if len(kinds) != 1:
        return None, nullable
    if kinds[0] == "string" and spec.get("format") in _DATES:
        return _DATES[spec["format"]], nullable
    if kinds[0] == "array":
        return "array", nullable
    return _SCALARS.get(kinds[0]), nullable


def _import_property(name: str, spec: dict[str, Any], skipped: list[str], *, item: bool = False) -> dict[str, Any]:
    """The ODCS property of one JSON Schema property (``item``: of an array's ``items``)."""
    where = f"property {name!r}"
    logical, _ = _type(spec)
    if logical is None or (item and logical == "array"):
        skipped.append(f"{where}: type {spec.get('type')!r} (imported as a string, unchecked)")
        logical = "string"
    prop: dict[str, Any] = {"logicalType": logical, "physicalType": PHYSICAL[logical]}
    for key, target in (("description", "description"), ("title", "businessName"), ("examples", "examples")):
        if key in spec:
            prop[target] = spec[key]
    if logical == "array":
        items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
        prop["items"] = _import_property(f"{name}[]", items or {"type": "string"}, skipped, item=True)
        options = {k: spec[k] for k in _ARRAY_OPTIONS if k in spec}
        skipped += [f"{where}: keyword {k!r}" for k in spec if k not in {*_KNOWN, "items", *_ARRAY_OPTIONS}]
    else:
        options = {k: spec[k] for k in ("minLength", "maxLength", "pattern", "minimum", "maximum") if k in spec}
        skipped += [f"{where}: keyword {k!r}" for k in spec if k not in _KNOWN]
    if spec.get("format") in FORMATS and logical == "string":
        options["format"] = spec["format"]
    elif "format" in spec and spec["format"] not in _DATES:
        skipped.append(f"{where}: format {spec['format']!r}")
    if "enum" in spec:
        if logical == "string":
            prop["enum"] = [{"value": str(v)} for v in spec["enum"] if v is not None]
        else:
            skipped.append(f"{where}: enum on a {logical} field")
    if options:
        prop["logicalTypeOptions"] = options
    return prop


Resolve = Callable[[str], dict[str, Any]]
NESTING = 3  # objects in objects flattened this deep; deeper ones are reported
_STANDARD_FORMATS = {"date": "date", "time": "time", "datetime": "date-time"}  # HSDS ``datapackage_type``


def _referenced(spec: dict[str, Any], resolve: Resolve | None, where: str, skipped: list[str]) -> dict[str, Any] | None:
    """The schema a ``$ref`` names (resolved by ``resolve``), the spec itself without one, None when it cannot be
    resolved (reported)."""
    ref = spec.get("$ref")
    if ref is None:
        return spec
    if resolve is not None and isinstance(ref, str):
        try:
            return resolve(ref)
        except (OSError, ValueError) as exc:
            skipped.append(f"{where}: $ref {ref!r} cannot be read ({exc})")
            return None
    skipped.append(f"{where}: $ref {ref!r} (no schema folder to resolve it from; not imported)")
    return None


def _is_object(spec: dict[str, Any]) -> bool:
    kinds = spec.get("type")
    return kinds == "object" or (isinstance(kinds, list) and "object" in kinds) or (
        kinds is None and isinstance(spec.get("properties"), dict))


def _declared(spec: dict[str, Any], where: str, notes: list[str]) -> dict[str, Any]:
    """A property with the standard's own declarations as JSON Schema keywords: HSDS's ``datapackage_type``
    (a date or time written as a string), its ``constraints.unique`` and ``example`` (each named in ``notes``)."""
    spec = dict(spec)
    standard = spec.pop("datapackage_type", None)
    wanted = _STANDARD_FORMATS.get(str(standard))
    if wanted is not None and spec.get("type") == "string" and "format" not in spec:
        spec["format"] = wanted
        notes.append(f"{where}: datapackage_type {standard!r} read as a {_DATES[wanted]}")
    elif standard is not None and standard != spec.get("type") and (wanted is None or spec.get("format") != wanted):
        notes.append(f"{where}: datapackage_type {standard!r} (not imported)")  # said by neither type nor format
    if "example" in spec:
        spec.setdefault("examples", [spec.pop("example")])
    spec.pop("name", None)  # the property's own name, repeated
    return spec


def _walk(schema: dict[str, Any], prefix: str, path: str, required_here: bool, depth: int, resolve: Resolve | None,
          skipped: list[str], out: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """The fields of ``schema``'s properties, nested objects flattened (``organization`` -> the fields
    ``organization__id`` read from ``organization.id``), appended to ``out``."""
    required = set(schema.get("required") or [])
    for key, raw in (schema.get("properties") or {}).items():
        name, source = f"{prefix}{key}", f"{path}{key}"
        where = f"property {source!r}"
        spec = _referenced(raw if isinstance(raw, dict) else {}, resolve, where, skipped)
        if spec is None:
            continue
        items = spec.get("items") if isinstance(spec.get("items"), dict) else None
        if _is_object(spec):
            if depth >= NESTING:
                skipped.append(f"{where}: an object nested deeper than {NESTING} levels (not imported)")
                continue
            inner: list[tuple[dict[str, Any], dict[str, Any]]] = []
            _walk(spec, f"{name}__", f"{source}.", required_here and key in required, depth + 1, resolve, skipped,
                  inner)
            skipped.append(f"{where}: an object, read as the fields "
                           f"{', '.join(p['name'] for p, _ in inner) or '(none)'} (read from {source}.<key>)")
            out += inner
            continue
        if items is not None and (_is_object(items) or "$ref" in items):
            what = items.get("$ref") or "objects"
            skipped.append(f"{where}: an array of {what}: not a field of this contract (import {what} as a "
                           f"contract of its own and feed it from the array: explode: {{column: {source}, json: "
                           "true}, its records linking to this one by id)")
            continue
        notes: list[str] = []
        declared = _declared(spec, where, notes)
        prop = {"name": name, **_import_property(name, declared, skipped),
                "required": required_here and key in required}
        constraints = spec.get("constraints")
        constraints = constraints if isinstance(constraints, dict) else {}
        if constraints.get("unique") is True and depth == 0:  # a nested object's id repeats across records
            prop["unique"] = True
            notes.append(f"{where}: constraints.unique read as unique")
        notes += [f"{where}: constraints.{k} (not imported)" for k in constraints if k != "unique"]
        skipped += notes
        out.append((prop, {"from": source, "trim": False}))


def from_jsonschema(schema: dict[str, Any], *, contract_id: str, version: str = "1.0.0",
                    agency: str = "agency", resolve: Resolve | None = None) -> Imported:
    """The ODCS contract of the record ``schema`` describes, a default mapping (NDJSON records, JSON types kept
    strictly), and what was not imported or was read from the standard's own declarations.

    Nested objects become flattened fields; an array of objects is left to a contract of its own (reported).
    ``$ref`` to another schema file is read through ``resolve`` (the importing command reads the schema's folder).
    HSDS's ``tabular_required`` names fields required in the tabular form: they are required here too; a
    required ``id`` with ``constraints.unique`` is the key."""
    skipped: list[str] = []
    fields: list[tuple[dict[str, Any], dict[str, Any]]] = []
    _walk(schema, "", "", True, 0, resolve, skipped, fields)
    tabular = [str(n) for n in schema.get("tabular_required") or []]
    for prop, _ in fields:
        if prop["name"] in tabular and not prop["required"]:
            prop["required"] = True
            skipped.append(f"property {prop['name']!r}: tabular_required read as required")
        if prop["name"] == "id" and prop.get("unique") and prop["required"]:
            prop.update(primaryKey=True, primaryKeyPosition=1)
    known = {"$schema", "$id", "type", "title", "description", "properties", "required", "tabular_required", "name"}
    skipped += [f"schema: keyword {k!r}" for k in schema if k not in known]
    # JSON's own meaning: "" is a string (not missing), a value keeps its JSON type
    source = {"pattern": f"{contract_id}-*.ndjson", "format": "ndjson", "json_types": "strict", "null_tokens": []}
    return Imported.of(schema, contract_id=contract_id, version=version, agency=agency,
                       properties=[p for p, _ in fields], fields={p["name"]: e for p, e in fields}, source=source,
                       skipped=skipped)


def _property(field: Field) -> dict[str, Any]:
    spec: dict[str, Any]
    if field.items is not None:
        spec = {"type": "array", "items": _property(field.items)}
        for key, value in (("minItems", field.min_items), ("maxItems", field.max_items)):
            if value is not None:
                spec[key] = value
        if field.unique_items:
            spec["uniqueItems"] = True
    elif field.logical_type in ("date", "time", "timestamp"):
        spec = {"type": "string", "format": {"date": "date", "time": "time"}.get(field.logical_type, "date-time")}
    else:
        spec = {"type": field.logical_type}
    if not field.required:
        spec["type"] = [spec["type"], "null"]
    if field.description:
        spec["description"] = field.description
    if field.examples:
        spec["examples"] = list(field.examples)
    if field.format:
        spec["format"] = field.format
    if field.pattern:
        spec["pattern"] = field.pattern
    if field.enum is not None:
        spec["enum"] = [*field.enum, *([] if field.required else [None])]
    for key, value in (("minLength", field.min_length), ("maxLength", field.max_length)):
        if value is not None:
            spec[key] = value
    if field.logical_type in ("integer", "number"):
        for key, bound in (("minimum", field.minimum), ("maximum", field.maximum)):
            if isinstance(bound, Decimal):
                spec[key] = float(bound)
            elif bound is not None:
                spec[key] = bound
    return spec


def to_jsonschema(contract: Contract) -> dict[str, Any]:
    """A JSON Schema of one record of the contract (as the agency sends it: before pseudonymisation). Date
    bounds have no JSON Schema keyword and are left out."""
    return {"$schema": DIALECT, "title": contract.name, "description": contract.description, "type": "object",
            "properties": {f.name: _property(f) for f in contract.fields},
            "required": [f.name for f in contract.fields if f.required]}
