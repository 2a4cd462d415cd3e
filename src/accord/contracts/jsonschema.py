"""JSON Schema (draft 2020-12) of one record, to an ODCS contract and back.

Patterns mean the same on both sides (searched anywhere: ODCS follows JSON Schema), so they are copied as they
are. A field that is not required may be ``null``. An array of scalars is an ODCS array (``items`` with their
own constraints, ``minItems``, ``maxItems``, ``uniqueItems``). What accord does not import (nested objects,
arrays of arrays or objects, ``oneOf``/``anyOf``, other keywords) is reported by name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from accord.contracts.formats import FORMATS
from accord.contracts.model import Contract, Field
from accord.contracts.tableschema import PHYSICAL, Imported

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_SCALARS = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}
_DATES = {"date": "date", "time": "time", "date-time": "timestamp"}
_KNOWN = {"type", "format", "description", "title", "examples", "enum", "pattern", "minLength", "maxLength",
          "minimum", "maximum"}
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


def from_jsonschema(schema: dict[str, Any], *, contract_id: str, version: str = "1.0.0",
                    agency: str = "agency") -> Imported:
    """The ODCS contract of the record ``schema`` describes, a default mapping (JSON or NDJSON records), and
    what was not imported."""
    skipped: list[str] = []
    required = set(schema.get("required") or [])
    properties, fields = [], {}
    for name, spec in (schema.get("properties") or {}).items():
        properties.append({"name": name, **_import_property(name, spec, skipped), "required": name in required})
        fields[name] = {"from": name, "trim": False}  # dates and times: ISO 8601, the mapping's default
    skipped += [f"schema: keyword {k!r}" for k in schema
                if k not in {"$schema", "$id", "type", "title", "description", "properties", "required"}]
    return Imported.of(schema, contract_id=contract_id, version=version, agency=agency, properties=properties,
                       fields=fields, source={"pattern": "*.ndjson", "format": "ndjson"}, skipped=skipped)


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
