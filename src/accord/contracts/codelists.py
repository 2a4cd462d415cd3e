"""Code lists of a contract property, from any of three places:

- ``enum`` (ODCS v3.2): ``[{value: M, label: Male, customProperties: [{property: labelFr, value: Homme}]}]``;
- a library quality rule (ODCS v3.1+): ``{metric: invalidValues, arguments: {validValues: [...]}, mustBe: 0}``;
- a reference table: custom property ``codeList: reference/<name>.csv`` (relative to ``contracts/``), a UTF-8
  CSV with a ``code`` column and optional ``label_en`` and ``label_fr`` columns.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.findings import Finding


@dataclass(frozen=True)
class Code:
    value: str
    label_en: str = ""
    label_fr: str = ""


def custom_property(node: dict[str, Any], name: str) -> Any:
    for item in node.get("customProperties") or []:
        if isinstance(item, dict) and item.get("property") == name:
            return item.get("value")
    return None


def _from_enum(prop: dict[str, Any]) -> list[Code]:
    return [Code(str(e["value"]), e.get("label", ""), custom_property(e, "labelFr") or "") for e in prop["enum"]]


def _from_quality(prop: dict[str, Any]) -> list[Code] | None:
    for rule in prop.get("quality") or []:
        values = (rule.get("arguments") or {}).get("validValues")
        if rule.get("metric") == "invalidValues" and isinstance(values, list):
            return [Code(str(v)) for v in values]
    return None


def reference_table(contracts_root: Path, relative: str) -> list[Code]:
    """Read a reference CSV; ``ValueError`` with the reason when it is unusable."""
    path = (contracts_root / relative).resolve()
    if not path.is_relative_to(contracts_root.resolve()):
        raise ValueError(f"code list {relative!r} is outside the contracts folder")
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        raise ValueError(f"code list file {relative!r} not found") from None
    if not rows or "code" not in rows[0]:
        raise ValueError(f"code list {relative!r} needs a 'code' column and at least one row")
    return [Code(r["code"], r.get("label_en") or "", r.get("label_fr") or "") for r in rows]


def code_list(prop: dict[str, Any], contracts_root: Path) -> list[Code] | None:
    """The property's allowed codes, or None when it has no code list."""
    if prop.get("enum"):
        return _from_enum(prop)
    reference = custom_property(prop, "codeList")
    if reference:
        return reference_table(contracts_root, str(reference))
    return _from_quality(prop)


def code_list_findings(prop: dict[str, Any], contracts_root: Path, file: str, line: int | None,
                       path: str) -> list[Finding]:
    try:
        codes = code_list(prop, contracts_root)
    except ValueError as exc:
        return [Finding(file, line, path, str(exc))]
    if codes is not None:
        values = [c.value for c in codes]
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            return [Finding(file, line, path, f"code list repeats {', '.join(repeated)}")]
    return []
