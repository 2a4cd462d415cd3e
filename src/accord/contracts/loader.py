"""Load an ODCS v3 contract file: JSON-schema validation for its ``apiVersion``, accord's own rules, then
the typed model. ``lint_contract`` returns every finding; ``load_contract`` raises ``ContractError`` on
the first error. Contracts live at ``contracts/<id>/<version>.yaml``; reference tables in
``contracts/reference/``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from accord.contracts.codelists import code_list, custom_property
from accord.contracts.formats import FORMATS
from accord.contracts.identity import identity_of
from accord.contracts.model import Contract, Field, ForeignKey, Survivorship
from accord.contracts.odcs import schema_findings
from accord.contracts.rules import DECIMAL_TYPE, accord_findings, parse_bound
from accord.errors import ContractError
from accord.findings import Finding
from accord.yamlfile import load_yaml


def contracts_root(file: Path) -> Path:
    """``contracts/`` for ``contracts/<id>/<version>.yaml``."""
    return file.resolve().parent.parent


def lint_contract(file: Path) -> list[Finding]:
    """Every problem in a contract file (empty list: the contract is valid)."""
    return _linted(file)[1]


def _linted(file: Path) -> tuple[Any, list[Finding]]:
    """The contract file's data (read once) and its problems."""
    try:
        doc = load_yaml(file, ContractError)
    except ContractError as exc:
        return None, [Finding(str(file), exc.line, exc.path, exc.message)]
    if not isinstance(doc.data, dict):
        return None, [Finding(str(file), 1, "", "a contract must be a YAML mapping")]
    return doc.data, schema_findings(doc) or accord_findings(doc, contracts_root(file))


def _field(prop: dict[str, Any], root: Path, name: str | None = None) -> Field:
    """The field of an ODCS property; an array's ``items`` (a property without a name) become a field named
    ``<array>[]``."""
    name = name or prop["name"]
    ltype = prop["logicalType"]
    options = prop.get("logicalTypeOptions") or {}
    precision = scale = None
    match = DECIMAL_TYPE.match(prop.get("physicalType") or "")
    if ltype == "number" and match:
        precision, scale = int(match.group(1)), int(match.group(2))
    codes = code_list(prop, root)
    items = prop.get("items") if ltype == "array" else None
    return Field(
        name=name,
        logical_type=ltype,
        required=bool(prop.get("required", False)),
        unique=bool(prop.get("unique", False)),
        primary_key_position=(prop.get("primaryKeyPosition") or 1) if prop.get("primaryKey") else None,
        classification=prop.get("classification", "public"),
        codes=tuple(codes) if codes is not None else None,
        pattern=options.get("pattern"),
        format=options.get("format") if ltype == "string" and options.get("format") in FORMATS else None,
        minimum=parse_bound(options.get("minimum"), ltype),
        maximum=parse_bound(options.get("maximum"), ltype),
        min_length=options.get("minLength"),
        max_length=options.get("maxLength"),
        precision=precision,
        scale=scale,
        default_timezone=options.get("defaultTimezone", "UTC"),
        description=prop.get("description", ""),
        description_fr=custom_property(prop, "descriptionFr") or "",
        examples=tuple(prop.get("examples") or ()),
        unit=custom_property(prop, "unit"),
        items=_field({**items, "required": True}, root, f"{name}[]") if items else None,  # no empty items
        min_items=options.get("minItems"),
        max_items=options.get("maxItems"),
        unique_items=bool(options.get("uniqueItems", False)),
        list_delimiter=custom_property(prop, "tableSchemaDelimiter"),
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


def _survivorship(obj: dict[str, Any]) -> Survivorship:
    value = custom_property(obj, "survivorship") or {}
    rules = {"latest": "latest", "agencyPrecedence": "agency_precedence"}
    return Survivorship(rule=rules.get(str(value.get("rule")), "latest_ingested"), field=value.get("field"),
                        agencies=tuple(value.get("agencies") or ()))


def _foreign_keys(prop: dict[str, Any]) -> list[ForeignKey]:
    keys = []
    for relation in prop.get("relationships") or []:
        if relation.get("type", "foreignKey") == "foreignKey":
            table, _, column = str(relation["to"]).rpartition(".")
            keys.append(ForeignKey(prop["name"], table, int(custom_property(relation, "contractMajor") or 1),
                                   column, str(custom_property(relation, "onOrphan") or "warn")))
    return keys


LIFECYCLE_PROPERTIES = ("sunset",)  # top-level custom properties of a version's life, not of its rules


def rules_sha256(data: dict[str, Any]) -> str:
    """The identity of a contract's rules: the SHA-256 of its document as canonical JSON, without what only
    says where the version is in its life (``status``, the ``sunset`` custom property). Publishing, deprecating
    or retiring a version keeps its identity; so do comments and layout. Manifests and lineage record it."""
    rules = {key: value for key, value in data.items() if key != "status"}
    if isinstance(rules.get("customProperties"), list):
        kept = [p for p in rules["customProperties"]
                if not (isinstance(p, dict) and p.get("property") in LIFECYCLE_PROPERTIES)]
        if kept:
            rules["customProperties"] = kept
        else:
            del rules["customProperties"]  # a list the sunset alone was added for
    text = json.dumps(rules, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_contract(file: Path) -> Contract:
    """Load and validate one contract file; ``ContractError`` names the file, line and field path."""
    data, findings = _linted(file)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ContractError(first.message + more, file=file, line=first.line, path=first.path)
    obj = data["schema"][0]
    min_rows, null_limits = _quality(obj)
    root = contracts_root(file)
    return Contract(
        id=data["id"],
        name=data.get("name", data["id"]),
        version=str(data["version"]),
        api_version=data["apiVersion"],
        object_name=obj["name"],
        fields=tuple(_field(p, root) for p in obj.get("properties") or []),
        file=file,
        sha256=rules_sha256(data),
        status=data.get("status", "active"),
        description=(data.get("description") or {}).get("purpose", ""),
        min_rows=min_rows,
        max_null_percent=null_limits,
        survivorship=_survivorship(obj),
        foreign_keys=tuple(foreign_key for p in obj.get("properties") or [] for foreign_key in _foreign_keys(p)),
        sunset=str(sunset) if (sunset := custom_property(data, "sunset")) else None,
        identity=identity_of(obj),
    )
