"""What is coming for each agency: the proposed and newly published versions of the contracts it feeds, the
deadline (the sunset of the version it feeds) and its own measured impact (the one ``accord contract propose``
saved in the data directory). The portal's page and ``GET /api/v1/contract-changes`` answer with this."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from accord.contracts import Contract, ContractRegistry
from accord.contracts.diff import diff_contracts
from accord.governance.impact import ImpactReport
from accord.mapping import Mapping
from accord.settings import REPORTS, DataDirs

GOVERNANCE = f"{REPORTS}/governance"


def impact_key(contract_id: str, version: str, name: str = "impact.json") -> str:
    return f"{GOVERNANCE}/{contract_id}-{version}/{name}"


def save_impact(report: ImpactReport, dirs: DataDirs, pages: dict[str, str]) -> str:
    """The report (JSON) and its pages (name -> HTML) where the portal finds them; the JSON's key."""
    for name, html in pages.items():
        dirs.storage.write_text(impact_key(report.contract, report.proposed, name), html)
    return dirs.storage.write_text(impact_key(report.contract, report.proposed),
                                   json.dumps(report.to_json(), ensure_ascii=False, indent=2))


def saved_impact(dirs: DataDirs, contract_id: str, version: str) -> dict[str, Any] | None:
    key = impact_key(contract_id, version)
    if not dirs.storage.exists(key):
        return None
    found: dict[str, Any] = json.loads(dirs.storage.read_text(key))
    return found


@dataclass
class ContractChange:
    contract: str
    version: str  # the new version
    status: str  # proposed | active
    feeds: str  # the version the agency feeds today
    deadline: str | None  # the sunset of the version it feeds (a published change), else None
    changes: list[str] = field(default_factory=list)  # the diff, in words
    impact: dict[str, Any] = field(default_factory=dict)  # the agency's part of the saved impact report
    measured: bool = False  # whether the report measured this agency

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _yours(saved: dict[str, Any] | None, agency: str) -> dict[str, Any] | None:
    for entry in (saved or {}).get("agencies", []):
        if entry.get("agency") == agency:
            moved = sum(e.get("to_quarantine", 0) for e in entry.get("extracts", []))
            return {"impacted": entry.get("impacted"), "lint_findings": len(entry.get("findings", [])),
                    "unfilled": entry.get("unfilled", []), "to_quarantine": moved,
                    "renamed": entry.get("renamed", {})}
    return None


def fed_contracts(mappings: Iterable[Mapping]) -> dict[str, list[Contract]]:
    """Agency -> the contract versions its mappings feed today (each once)."""
    fed: dict[str, dict[str, Contract]] = {}
    for mapping in mappings:
        fed.setdefault(mapping.agency, {})[mapping.contract.label] = mapping.contract
    return {agency: list(contracts.values()) for agency, contracts in fed.items()}


def contract_changes(registry: ContractRegistry, fed: dict[str, list[Contract]], dirs: DataDirs,
                     ) -> list[ContractChange]:
    """For each agency (``fed``: agency -> the contract versions its mappings feed today), every newer major of
    those contracts that is proposed or active, newest first. Each saved report is read once."""
    reports: dict[str, dict[str, Any] | None] = {}
    found = []
    for agency, contracts in sorted(fed.items()):
        for current in contracts:
            newer = sorted({c.major for c in registry.contracts if c.id == current.id and c.major > current.major},
                           reverse=True)
            for major in newer:
                new = registry.resolve(current.id, major)
                if new.status not in ("proposed", "active"):
                    continue
                if new.label not in reports:
                    reports[new.label] = saved_impact(dirs, new.id, new.version)
                yours = _yours(reports[new.label], agency)
                found.append(ContractChange(
                    contract=new.id, version=new.version, status=new.status, feeds=current.version,
                    deadline=current.sunset if new.status == "active" else None,
                    changes=[c.message for c in diff_contracts(current, new).changes if c.breaking],
                    impact={"agency": agency, **(yours or {})}, measured=yours is not None))
    return found
