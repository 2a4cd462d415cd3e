"""Load an ODCS v3 contract file: JSON-schema validation, accord's own rules, then the typed model.

``lint_contract`` returns every finding; ``load_contract`` raises ``ContractError`` on the first error.
Contracts live at ``contracts/<id>/<version>.yaml``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from accord.contracts.findings import Finding
from accord.contracts.model import CLASSIFICATIONS, LOGICAL_TYPES, Bound, Contract, Field
from accord.errors import ContractError
from accord.yamlfile import PathPart, YamlDocument, format_path, load_yaml

_DECIMAL_TYPE = re.compile(r"^\s*(?:decimal|numeric)\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)\s*$", re.IGNORECASE)
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


@functools.cache
def odcs_json_schema() -> dict[str, Any]:
    """The ODCS JSON schema shipped with the ``open-data-contract-standard`` package."""
    text = resources.files("open_data_contract_standard").joinpath("schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _schema_findings(doc: YamlDocument) -> list[Finding]:
    validator = jsonschema.Draft201909Validator(odcs_json_schema())
    findings = []
    for error in sorted(validator.iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path))):
        parts: list[PathPart] = list(error.absolute_path)
        findings.append(Finding(str(doc.file), doc.line(parts), format_path(parts), error.message))
    return findings


def _custom(prop: dict[str, Any], name: str) -> Any:
    for item in prop.get("customProperties") or []:
        if isinstance(item, dict) and item.get("property") == name:
            return item.get("value")
    return None


def _bound(value: Any, logical_type: str) -> Bound | None:
    if value is None:
        return None
    if logical_type == "date":
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if logical_type == "timestamp":
        return dt.datetime.fromisoformat(str(value))
    if logical_type == "integer":
        return int(value)
    return Decimal(str(value))


def _accord_findings(doc: YamlDocument) -> list[Finding]:
    """accord's rules on top of the standard (only run when the standard is satisfied)."""
    data, file = doc.data, str(doc.file)
    out: list[Finding] = []

    def add(parts: list[PathPart], message: str) -> None:
        out.append(Finding(file, doc.line(parts), format_path(parts), message))

    if data.get("kind") != "DataContract":
        add(["kind"], "kind must be 'DataContract'")
    if not _SEMVER.match(str(data.get("version", ""))):
        add(["version"], f"version {data.get('version')!r} is not MAJOR.MINOR.PATCH")
    objects = data.get("schema") or []
    if len(objects) != 1:
        add(["schema"], f"accord contracts describe exactly one schema object, found {len(objects)}")
        return out
    seen: set[str] = set()
    for i, prop in enumerate(objects[0].get("properties") or []):
        base: list[PathPart] = ["schema", 0, "properties", i]
        name = prop["name"]
        if name in seen:
            add([*base, "name"], f"duplicate property '{name}'")
        seen.add(name)
        ltype = prop.get("logicalType")
        if ltype not in LOGICAL_TYPES:
            add([*base, "logicalType"], f"unsupported logical type {ltype!r} (use one of {', '.join(LOGICAL_TYPES)})")
        options = prop.get("logicalTypeOptions") or {}
        if "pattern" in options:
            try:
                re.compile(options["pattern"])
            except re.error as exc:
                add([*base, "logicalTypeOptions", "pattern"], f"pattern does not compile: {exc}")
        if prop.get("enum") and ltype != "string":
            add([*base, "enum"], f"enum is only supported on string fields, not {ltype!r}")
        if prop.get("primaryKey") and not prop.get("required"):
            add([*base, "primaryKey"], "a primary key field must be required: true")
        classification = prop.get("classification", "public")
        if classification not in CLASSIFICATIONS:
            add([*base, "classification"], f"classification must be one of {', '.join(CLASSIFICATIONS)}")
        physical = prop.get("physicalType")
        if ltype == "number" and physical and not _DECIMAL_TYPE.match(physical) and physical.lower() not in (
            "double", "float", "float64"
        ):
            add([*base, "physicalType"], f"number physicalType must be decimal(p,s) or double, not {physical!r}")
        for bound in ("minimum", "maximum"):
            if bound in options and ltype in LOGICAL_TYPES:
                try:
                    _bound(options[bound], ltype)
                except (ValueError, InvalidOperation):
                    add([*base, "logicalTypeOptions", bound], f"{bound} {options[bound]!r} is not a {ltype}")
    return out


def lint_contract(file: Path) -> list[Finding]:
    """Every problem in a contract file (empty list: the contract is valid)."""
    try:
        doc = load_yaml(file, ContractError)
    except ContractError as exc:
        return [Finding(str(file), exc.line, exc.path, exc.message)]
    if not isinstance(doc.data, dict):
        return [Finding(str(file), 1, "", "a contract must be a YAML mapping")]
    findings = _schema_findings(doc)
    if findings:
        return findings
    return _accord_findings(doc)


def _field(prop: dict[str, Any]) -> Field:
    ltype = prop["logicalType"]
    options = prop.get("logicalTypeOptions") or {}
    precision = scale = None
    match = _DECIMAL_TYPE.match(prop.get("physicalType") or "")
    if ltype == "number" and match:
        precision, scale = int(match.group(1)), int(match.group(2))
    enum = tuple(str(e["value"]) for e in prop["enum"]) if prop.get("enum") else None
    return Field(
        name=prop["name"],
        logical_type=ltype,
        required=bool(prop.get("required", False)),
        unique=bool(prop.get("unique", False)),
        primary_key_position=(prop.get("primaryKeyPosition") or 1) if prop.get("primaryKey") else None,
        classification=prop.get("classification", "public"),
        enum=enum,
        pattern=options.get("pattern"),
        minimum=_bound(options.get("minimum"), ltype),
        maximum=_bound(options.get("maximum"), ltype),
        min_length=options.get("minLength"),
        max_length=options.get("maxLength"),
        precision=precision,
        scale=scale,
        description=prop.get("description", ""),
        description_fr=_custom(prop, "descriptionFr") or "",
    )


def _quality(obj: dict[str, Any]) -> tuple[int | None, tuple[tuple[str, float], ...]]:
    """Dataset rules from ODCS library metrics: ``rowCount`` and per-property ``nullValues`` (percent)."""
    min_rows = None
    for rule in obj.get("quality") or []:
        if rule.get("metric") == "rowCount":
            if "mustBeGreaterOrEqualTo" in rule:
                min_rows = int(rule["mustBeGreaterOrEqualTo"])
            elif "mustBeGreaterThan" in rule:
                min_rows = int(rule["mustBeGreaterThan"]) + 1
    null_limits = []
    for prop in obj.get("properties") or []:
        for rule in prop.get("quality") or []:
            if rule.get("metric") == "nullValues" and rule.get("unit") == "percent":
                limit = rule.get("mustBeLessOrEqualTo", rule.get("mustBeLessThan"))
                if limit is not None:
                    null_limits.append((prop["name"], float(limit)))
    return min_rows, tuple(null_limits)


def load_contract(file: Path) -> Contract:
    """Load and validate one contract file; ``ContractError`` names the file, line and field path."""
    findings = lint_contract(file)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ContractError(first.message + more, file=file, line=first.line, path=first.path)
    data = load_yaml(file, ContractError).data
    obj = data["schema"][0]
    min_rows, null_limits = _quality(obj)
    return Contract(
        id=data["id"],
        name=data.get("name", data["id"]),
        version=str(data["version"]),
        api_version=data["apiVersion"],
        object_name=obj["name"],
        fields=tuple(_field(p) for p in obj.get("properties") or []),
        file=file,
        sha256=hashlib.sha256(file.read_bytes()).hexdigest(),
        min_rows=min_rows,
        max_null_percent=null_limits,
    )
