"""Frictionless Table Schema (v1, with v2's ``exclusiveMinimum``/``exclusiveMaximum`` reported) to an ODCS
contract and back.

``from_tableschema`` returns the contract document, a default mapping for agencies whose files follow the
schema as is (column names, date formats, true/false values, missing values, decimal and group characters),
and, by name, every part of the schema that accord does not import. Nothing is dropped silently.

Meaning is kept where the two differ:

- a Table Schema ``pattern`` must match the whole value, an ODCS pattern is searched anywhere (JSON Schema's
  rule): the imported pattern is anchored, ``^(?:...)$``;
- string formats ``email``, ``uri`` and ``uuid`` stay formats (ODCS ``logicalTypeOptions.format``), which
  accord checks (``accord.contracts.formats``), as loosely as frictionless does;
- Table Schema reads ``true``/``false``/``1``/``0`` (and their capitalised forms) as booleans by default, and
  only those: the mapping lists them, so accord's wider default (oui/non, yes/no) does not apply;
- the mapping does not trim values: a Table Schema value is read as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from accord.contracts.formats import FORMATS
from accord.contracts.model import Contract, Field
from accord.regex import anchored

API_VERSION = "v3.2.0"
CONTRACT_ID = r"^[a-z][a-z0-9_]{0,63}$"  # an imported contract's id: its folder under contracts/
TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "date": "date",
         "time": "time", "datetime": "timestamp", "year": "integer"}
PHYSICAL = {"string": "string", "integer": "int64", "number": "double", "boolean": "boolean", "date": "date",
            "time": "time", "timestamp": "timestamp", "array": "array"}
LISTS = ("list", "array")  # v2 ``list`` (items in delimited text) and ``array`` (a JSON array; ``arrayItem``)
DEFAULT_TRUE = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE = ["false", "False", "FALSE", "0"]
DEFAULT_FORMATS = {"date": "%Y-%m-%d", "time": "%H:%M:%S", "datetime": "%Y-%m-%dT%H:%M:%SZ"}
FRACTIONAL = {"datetime": ["%Y-%m-%dT%H:%M:%S%.fZ"]}  # ISO 8601 with fractions of a second, as frictionless reads
_KNOWN_FIELD_KEYS = {"name", "type", "format", "title", "description", "example", "constraints", "trueValues",
                     "falseValues", "decimalChar", "groupChar", "bareNumber", "delimiter", "itemType", "arrayItem"}
_ITEM_SETTINGS = ("date", "number", "boolean")  # mapping settings that, for an array, read each item
_IMPORTED_CONSTRAINTS = {"required", "unique", "minLength", "maxLength", "minimum", "maximum", "pattern", "enum"}
_KNOWN_SCHEMA_KEYS = {"fields", "primaryKey", "missingValues", "$schema", "title", "description", "name",
                      "version"}


@dataclass
class Imported:
    contract: dict[str, Any]
    mapping: dict[str, Any]
    not_imported: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, schema: dict[str, Any], *, contract_id: str, version: str, agency: str,
           properties: list[dict[str, Any]], fields: dict[str, Any], source: dict[str, Any],
           skipped: list[str]) -> Imported:
        """The ODCS contract of one schema object (title and description from ``schema``) and its mapping."""
        title = str(schema.get("title") or contract_id)
        description = str(schema.get("description") or title)
        contract = {
            "apiVersion": API_VERSION, "kind": "DataContract", "id": contract_id, "name": title, "version": version,
            "status": "active", "description": {"purpose": description},
            "schema": [{"name": contract_id, "physicalName": contract_id, "logicalType": "object",
                        "description": description, "properties": properties}],
        }
        target = {"contract": contract_id, "contract_version": int(version.split(".")[0]),
                  "fields": {name: _v2_entry(entry) for name, entry in fields.items()}}
        mapping = {"mapping_version": 2, "agency": agency, "source": source, "targets": [target]}
        return cls(contract, mapping, skipped)


def _v2_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """A field entry with its reading (date, number or boolean settings) as mapping version 2's parse step."""
    steps = [{kind: entry[kind]} for kind in _ITEM_SETTINGS if kind in entry]
    kept = {k: v for k, v in entry.items() if k not in _ITEM_SETTINGS}
    return {**kept, "steps": steps} if steps else kept


def contract_pattern(pattern: str) -> str:
    """A Table Schema pattern (it must match the whole value) as a contract pattern (searched anywhere) with
    the same meaning."""
    return pattern if anchored(pattern) else f"^(?:{pattern})$"


def tableschema_pattern(pattern: str) -> str:
    """A contract pattern (searched anywhere) as a Table Schema pattern (whole value) with the same meaning;
    ``tableschema_pattern(contract_pattern(p))`` gives ``p`` back."""
    match = re.fullmatch(r"\^\(\?:(.*)\)\$", pattern, flags=re.DOTALL)
    if match:
        try:
            re.compile(match.group(1))
        except re.error:
            match = None
    if match:
        return match.group(1)
    return pattern if anchored(pattern) else f".*(?:{pattern}).*"


def _property(spec: dict[str, Any], position: int | None, skipped: list[str]) -> tuple[dict[str, Any],
                                                                                       dict[str, Any]]:
    """One ODCS property and its mapping entry."""
    name, ts_type, fmt = spec["name"], spec.get("type", "string"), spec.get("format", "default")
    where = f"field {name!r}"
    if ts_type in LISTS:
        return _list_property(spec, position, skipped)
    logical = TYPES.get(ts_type)
    if logical is None:
        skipped.append(f"{where}: type {ts_type!r} (imported as a string, unchecked)")
        logical = "string"
    prop: dict[str, Any] = {"name": name, "logicalType": logical, "physicalType": PHYSICAL[logical]}
    entry: dict[str, Any] = {"from": name, "trim": False}
    constraints = spec.get("constraints") or {}
    prop["required"] = bool(constraints.get("required", False))
    if constraints.get("unique"):
        prop["unique"] = True
    if position is not None:
        prop.update(primaryKey=True, primaryKeyPosition=position)
    if spec.get("description"):
        prop["description"] = str(spec["description"])
    if spec.get("title"):
        prop["businessName"] = str(spec["title"])
    if "example" in spec:
        prop["examples"] = [spec["example"]]
    options: dict[str, Any] = {}
    for key in ("minLength", "maxLength"):
        if key in constraints:
            options[key] = int(constraints[key])
    for key in ("minimum", "maximum"):
        if key in constraints:
            value = constraints[key]
            options[key] = str(value) if logical in ("date", "time", "timestamp") else value
    if "pattern" in constraints:
        options["pattern"] = contract_pattern(str(constraints["pattern"]))
    if logical == "string" and fmt in FORMATS:
        options["format"] = fmt
    elif ts_type == "string" and fmt not in ("default", None):
        skipped.append(f"{where}: format {fmt!r}")
    if ts_type in DEFAULT_FORMATS:
        if fmt in ("default", None):
            entry["date"] = {"formats": [DEFAULT_FORMATS[ts_type], *FRACTIONAL.get(ts_type, [])]}
        elif fmt == "any":
            skipped.append(f"{where}: format 'any' (read as the day-first family of formats)")
            entry["date"] = {"day_first": True}
        else:
            entry["date"] = {"formats": [str(fmt).removeprefix("fmt:")]}
    if ts_type == "year":
        options.setdefault("minimum", 0)
        options.setdefault("maximum", 9999)
    if logical == "boolean":
        entry["boolean"] = {"true": [str(v) for v in spec.get("trueValues", DEFAULT_TRUE)],
                            "false": [str(v) for v in spec.get("falseValues", DEFAULT_FALSE)]}
    if logical == "number" or ts_type == "integer":
        number = {k: v for k, v in (("decimal", spec.get("decimalChar")), ("thousands", spec.get("groupChar")))
                  if v is not None}
        if number:
            entry["number"] = number
        if spec.get("bareNumber") is False:
            skipped.append(f"{where}: bareNumber false (numbers must be bare)")
    if "enum" in constraints:
        if logical == "string":
            prop["enum"] = [{"value": str(v)} for v in constraints["enum"]]
        else:
            skipped.append(f"{where}: enum on a {ts_type} field")
    skipped += [f"{where}: constraint {k!r}" for k in constraints if k not in _IMPORTED_CONSTRAINTS]
    skipped += [f"{where}: property {k!r}" for k in spec if k not in _KNOWN_FIELD_KEYS]
    if options:
        prop["logicalTypeOptions"] = options
    return prop, entry


def _list_property(spec: dict[str, Any], position: int | None, skipped: list[str]) -> tuple[dict[str, Any],
                                                                                            dict[str, Any]]:
    """A ``list`` or ``array`` field: an ODCS array whose ``items`` are imported as a field of their own
    (``itemType``, or ``arrayItem`` with its constraints); the number of items is bounded by the list's
    ``minLength``/``maxLength``. The mapping splits the cell on the delimiter (a list) or reads it as JSON."""
    name, constraints = spec["name"], dict(spec.get("constraints") or {})
    if spec["type"] == "list":
        item_spec: dict[str, Any] = {"name": f"{name}[]", "type": spec.get("itemType", "string")}
    else:
        item_spec = {"type": "string", **(spec.get("arrayItem") or {}), "name": f"{name}[]"}
    if item_spec["type"] in LISTS:
        skipped.append(f"field {name!r}: items of type {item_spec['type']!r} (imported as strings, unchecked)")
        item_spec = {"name": f"{name}[]", "type": "string"}
    item, item_entry = _property(item_spec, None, skipped)
    item_options = item.get("logicalTypeOptions") or {}
    items = {k: v for k, v in item.items() if k not in ("name", "required", "logicalTypeOptions")}
    if item_options:
        items["logicalTypeOptions"] = item_options
    options = {odcs: int(constraints.pop(ts)) for ts, odcs in (("minLength", "minItems"), ("maxLength", "maxItems"))
               if ts in constraints}
    skipped += [f"field {name!r}: constraint {k!r} on a {spec['type']}" for k in constraints if k != "required"]
    kept = {k: v for k, v in spec.items() if k not in ("delimiter", "itemType", "arrayItem", "format")}
    outer, entry = _property({**kept, "type": "string", "constraints": {"required": constraints.get("required")}},
                             position, skipped)
    prop = {**outer, "logicalType": "array", "physicalType": "array", "items": items}
    if spec["type"] == "list":  # how the published schema writes the items, for the export to say the same
        prop.setdefault("customProperties", []).append(
            {"property": "tableSchemaDelimiter", "value": str(spec.get("delimiter", ","))})
    prop.pop("logicalTypeOptions", None)
    if options:
        prop["logicalTypeOptions"] = options
    entry.update({k: v for k, v in item_entry.items() if k in _ITEM_SETTINGS})
    entry["items"] = {"separator": str(spec.get("delimiter", ","))} if spec["type"] == "list" else {"json": True}
    return prop, entry


def _one(value: Any) -> str | None:
    """A Table Schema ``fields`` value naming exactly one field, else None."""
    if isinstance(value, str):
        return value
    return str(value[0]) if isinstance(value, list) and len(value) == 1 else None


def _foreign_key(fk: dict[str, Any], properties: list[dict[str, Any]], skipped: list[str]) -> None:
    """A one-field foreign key to another resource becomes the property's relationship to that contract
    (``<resource>.<field>``, warn on orphans); a composite or self-referencing one is reported."""
    reference = fk.get("reference") or {}
    column, target, resource = _one(fk.get("fields")), _one(reference.get("fields")), reference.get("resource")
    prop = next((p for p in properties if p["name"] == column), None)
    if prop is None or target is None or not resource:
        why = "composite" if column is None or target is None else "a reference to the same resource" \
            if not resource else "an unknown field"
        skipped.append(f"schema: foreign key {fk.get('fields')!r} -> {reference!r} ({why})")
        return
    prop.setdefault("relationships", []).append({"type": "foreignKey", "to": f"{resource}.{target}"})


def from_tableschema(descriptor: dict[str, Any], *, contract_id: str, version: str = "1.0.0",
                     agency: str = "agency") -> Imported:
    """The ODCS contract, the default mapping for ``agency``, and what was not imported."""
    skipped: list[str] = []
    key = descriptor.get("primaryKey") or []
    key = [key] if isinstance(key, str) else list(key)
    properties, fields = [], {}
    for spec in descriptor.get("fields") or []:
        position = key.index(spec["name"]) + 1 if spec.get("name") in key else None
        prop, entry = _property(spec, position, skipped)
        properties.append(prop)
        fields[prop["name"]] = entry
    for fk in descriptor.get("foreignKeys") or []:
        _foreign_key(fk, properties, skipped)
    skipped += [f"schema: property {k!r}" for k in descriptor if k not in _KNOWN_SCHEMA_KEYS | {"foreignKeys"}
                and not isinstance(descriptor[k], list | dict)]
    source = {"pattern": f"{contract_id}-*.csv", "format": "csv", "encoding": "utf-8", "delimiter": ",",
              "null_tokens": [str(v) for v in descriptor.get("missingValues", [""])],
              "column_order": "mapping"}  # Table Schema matches a file's columns to its fields in order
    return Imported.of(descriptor, contract_id=contract_id, version=version, agency=agency, properties=properties,
                       fields=fields, source=source, skipped=skipped)


def _list_field(f: Field) -> dict[str, Any]:
    """An array as a ``list`` (delimited items of a type) or, when its items have constraints of their own, an
    ``array`` whose ``arrayItem`` carries them."""
    item: dict[str, Any] = _field_spec(f.items) if f.items is not None else {"type": "string", "constraints": {}}
    item_type, item_constraints = item["type"], {k: v for k, v in item["constraints"].items() if k != "required"}
    spec: dict[str, Any] = {"name": f.name}
    if item_constraints or "format" in item:
        spec["type"] = "array"
        spec["arrayItem"] = {k: v for k, v in item.items() if k not in ("name", "constraints")} | (
            {"constraints": item_constraints} if item_constraints else {})
    else:
        spec.update(type="list", delimiter=f.list_delimiter or ",", itemType=item_type)
    if f.description:
        spec["description"] = f.description
    if f.examples:
        spec["example"] = f.examples[0]
    constraints: dict[str, Any] = {"required": f.required}
    for key, value in (("minLength", f.min_items), ("maxLength", f.max_items)):
        if value is not None:
            constraints[key] = value
    spec["constraints"] = constraints
    return spec


def _field_spec(f: Field) -> dict[str, Any]:
    if f.items is not None:
        return _list_field(f)
    spec: dict[str, Any] = {"name": f.name, "type": "datetime" if f.logical_type == "timestamp" else f.logical_type}
    if f.description:
        spec["description"] = f.description
    if f.examples:
        spec["example"] = f.examples[0]
    constraints: dict[str, Any] = {"required": f.required}
    if f.unique:
        constraints["unique"] = True
    for key, value in (("minLength", f.min_length), ("maxLength", f.max_length)):
        if value is not None:
            constraints[key] = value
    for key, bound in (("minimum", f.minimum), ("maximum", f.maximum)):
        if bound is not None:
            constraints[key] = bound.isoformat() if hasattr(bound, "isoformat") else (
                str(bound) if f.is_decimal else bound)
    if f.pattern:
        constraints["pattern"] = tableschema_pattern(f.pattern)
    if f.format:
        spec["format"] = f.format
    if f.enum is not None:
        constraints["enum"] = list(f.enum)
    spec["constraints"] = constraints
    return spec


def to_tableschema(contract: Contract) -> dict[str, Any]:
    """The contract's fields as a Table Schema; patterns are rewritten for whole-value matching
    (``tableschema_pattern``)."""
    fields = [_field_spec(f) for f in contract.fields]
    schema: dict[str, Any] = {"$schema": "https://frictionlessdata.io/schemas/table-schema.json",
                              "title": contract.name, "description": contract.description, "fields": fields,
                              "missingValues": [""]}
    if contract.primary_key:
        schema["primaryKey"] = list(contract.primary_key)
    if contract.foreign_keys:
        schema["foreignKeys"] = [{"fields": k.column, "reference": {"resource": k.contract, "fields": k.target}}
                                 for k in contract.foreign_keys]
    return schema
