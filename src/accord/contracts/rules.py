"""accord's own contract rules, on top of the ODCS schema. Each returns findings, never raises."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from accord.contracts.codelists import code_list_findings
from accord.contracts.formats import FORMATS
from accord.contracts.identity import identity_findings
from accord.contracts.model import CLASSIFICATIONS, ITEM_TYPES, LOGICAL_TYPES, Bound
from accord.contracts.semver import SEMVER
from accord.findings import Finding
from accord.regex import anchored, regex_problem
from accord.yamlfile import PathPart, YamlDocument, format_path

DECIMAL_TYPE = re.compile(r"^\s*(?:decimal|numeric)\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)\s*$", re.IGNORECASE)
FLOAT_TYPES = ("double", "float", "float64")


def parse_bound(value: Any, logical_type: str) -> Bound | None:
    """A ``minimum``/``maximum`` in the field's own type; ``ValueError`` when it is not one."""
    if value is None:
        return None
    if logical_type == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if logical_type == "timestamp":
        return dt.datetime.fromisoformat(str(value))
    if logical_type == "time":
        return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))
    if logical_type == "integer":
        return int(value)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(value) from None


def _property_findings(prop: dict[str, Any], base: list[PathPart], doc: YamlDocument,
                       contracts_root: Path) -> list[Finding]:
    out: list[Finding] = []

    def add(key: str, message: str, severity: str = "error") -> None:
        """A finding at ``base`` + ``key`` (dotted for nested keys, e.g. ``logicalTypeOptions.pattern``)."""
        parts = [*base, *key.split(".")]
        out.append(Finding(str(doc.file), doc.line(parts), format_path(parts), message, severity))

    def warn(key: str, message: str) -> None:
        add(key, message, "warning")

    ltype = prop.get("logicalType")
    if ltype not in LOGICAL_TYPES:
        add("logicalType", f"unsupported logical type {ltype!r} (accord supports {', '.join(LOGICAL_TYPES)})")
    options = prop.get("logicalTypeOptions") or {}
    if "pattern" in options:
        problem = regex_problem(str(options["pattern"]))
        if problem:
            add("logicalTypeOptions.pattern", "pattern does not compile in the row-rule engine (Rust regex, "
                "no look-around or back-references): " + problem)
        elif not anchored(str(options["pattern"])):
            warn("logicalTypeOptions.pattern", f"pattern {options['pattern']!r} is not anchored: it is searched "
                 "anywhere in the value (JSON Schema's meaning), so 'x' in 'abc x def' passes; write ^(?:...)$ "
                 "to require the whole value")
    if ltype == "string" and "format" in options and options["format"] not in FORMATS:
        warn("logicalTypeOptions.format", f"format {options['format']!r} is not checked by accord (it checks "
             f"{', '.join(FORMATS)}); add a pattern to check it")
    for n, relation in enumerate(prop.get("relationships") or []):
        key = f"relationships.{n}"
        target = relation.get("to")
        if not isinstance(target, str) or target.count(".") != 1:
            add(f"{key}.to", f"a foreign key names one field of another contract as <contract>.<field>, not "
                f"{target!r} (composite keys are not supported)")
        on_orphan = next((c.get("value") for c in relation.get("customProperties") or []
                          if isinstance(c, dict) and c.get("property") == "onOrphan"), "warn")
        if on_orphan not in ("warn", "quarantine"):
            add(f"{key}.customProperties", f"onOrphan must be warn or quarantine, not {on_orphan!r}")
    has_codes = bool(prop.get("enum")) or any(
        c.get("property") == "codeList" for c in prop.get("customProperties") or [] if isinstance(c, dict))
    if has_codes and ltype != "string":
        add("enum" if prop.get("enum") else "customProperties", f"a code list is only supported on string fields, "
            f"not {ltype!r}")
    out.extend(code_list_findings(prop, contracts_root, str(doc.file), doc.line(base), format_path(base)))
    if prop.get("primaryKey") and not prop.get("required"):
        add("primaryKey", "a primary key field must be required: true")
    if prop.get("classification", "public") not in CLASSIFICATIONS:
        add("classification", f"classification must be one of {', '.join(CLASSIFICATIONS)}")
    physical = prop.get("physicalType")
    if ltype == "number" and physical and not DECIMAL_TYPE.match(physical) and physical.lower() not in FLOAT_TYPES:
        add("physicalType", f"number physicalType must be decimal(p,s) or double, not {physical!r}")
    for bound in ("minimum", "maximum"):
        if bound in options and ltype in LOGICAL_TYPES:
            try:
                parse_bound(options[bound], ltype)
            except ValueError:
                add(f"logicalTypeOptions.{bound}", f"{bound} {options[bound]!r} is not a {ltype}")
    zone = options.get("defaultTimezone")
    if zone is not None:
        try:
            zoneinfo.ZoneInfo(str(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            add("logicalTypeOptions.defaultTimezone", f"unknown time zone {zone!r}")
    if ltype == "array":
        out.extend(_array_findings(prop, base, doc, contracts_root, add))
    return out


def _array_findings(prop: dict[str, Any], base: list[PathPart], doc: YamlDocument, contracts_root: Path,
                    add: Callable[[str, str], None]) -> list[Finding]:
    """An array needs ``items`` of a scalar type (their constraints are linted like a property's); it cannot
    be a key, unique or pseudonymised."""
    items = prop.get("items")
    if not isinstance(items, dict) or "logicalType" not in items:
        add("logicalType", "an array needs 'items' with a logicalType (items: {logicalType: string})")
        return []
    if items["logicalType"] not in ITEM_TYPES:
        add("items.logicalType", f"array items must be one of {', '.join(ITEM_TYPES)}, not {items['logicalType']!r}")
        return []
    for key in ("primaryKey", "unique"):
        if prop.get(key):
            add(key, f"an array field cannot be {'a primary key' if key == 'primaryKey' else 'unique'}")
    if prop.get("classification") == "pii":
        add("classification", "an array field cannot be pii (pseudonyms are computed on single values)")
    options = prop.get("logicalTypeOptions") or {}
    low, high = options.get("minItems"), options.get("maxItems")
    if low is not None and high is not None and low > high:
        add("logicalTypeOptions.minItems", f"minItems {low} is greater than maxItems {high}")
    return _property_findings(items, [*base, "items"], doc, contracts_root)


def _survivorship_findings(obj: dict[str, Any], doc: YamlDocument) -> list[Finding]:
    items = obj.get("customProperties") or []
    index = next((i for i, c in enumerate(items) if isinstance(c, dict) and c.get("property") == "survivorship"), None)
    if index is None:
        return []
    parts: list[PathPart] = ["schema", 0, "customProperties", index, "value"]
    value = items[index].get("value")
    types = {p["name"]: p.get("logicalType") for p in obj.get("properties") or []}
    problem = None
    if not isinstance(value, dict) or value.get("rule") not in ("latest", "agencyPrecedence"):
        problem = ("survivorship must be {rule: latest, field: <date field>} "
                   "or {rule: agencyPrecedence, agencies: [...]}")
    elif value["rule"] == "latest" and types.get(value.get("field")) not in ("date", "timestamp"):
        problem = f"survivorship field {value.get('field')!r} must be a date or timestamp field of this contract"
    elif value["rule"] == "agencyPrecedence" and not (
            isinstance(value.get("agencies"), list) and value["agencies"]):
        problem = "survivorship agencyPrecedence needs a non-empty list of agencies"
    return [Finding(str(doc.file), doc.line(parts), format_path(parts), problem)] if problem else []


def accord_findings(doc: YamlDocument, contracts_root: Path) -> list[Finding]:
    """accord's rules; run once the contract satisfies the ODCS schema."""
    data, file = doc.data, str(doc.file)
    out: list[Finding] = []
    if data.get("kind") != "DataContract":
        out.append(Finding(file, doc.line(["kind"]), "kind", "kind must be 'DataContract'"))
    if not SEMVER.match(str(data.get("version", ""))):
        out.append(Finding(file, doc.line(["version"]), "version",
                           f"version {data.get('version')!r} is not MAJOR.MINOR.PATCH or MAJOR.MINOR.PATCH-PRERELEASE "
                           "(semver: 3.0.0-rc.1)"))
    objects = data.get("schema") or []
    if len(objects) != 1:
        out.append(Finding(file, doc.line(["schema"]), "schema",
                           f"accord contracts describe exactly one schema object, found {len(objects)}"))
        return out
    out.extend(_survivorship_findings(objects[0], doc))
    out.extend(identity_findings(objects[0], doc))
    seen: set[str] = set()
    for i, prop in enumerate(objects[0].get("properties") or []):
        base: list[PathPart] = ["schema", 0, "properties", i]
        if prop["name"] in seen:
            out.append(Finding(file, doc.line([*base, "name"]), format_path([*base, "name"]),
                               f"duplicate property '{prop['name']}'"))
        seen.add(prop["name"])
        out.extend(_property_findings(prop, base, doc, contracts_root))
    return out
