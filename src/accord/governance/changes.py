"""What is coming for each agency: the proposed and newly published versions of the contracts it feeds, the
deadline (the sunset of the version it feeds) and its own measured impact (the one ``accord contract propose``
saved in the data directory). The portal's page and ``GET /api/v1/contract-changes`` answer with this."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from accord.contracts import Contract, ContractRegistry
from accord.contracts.diff import ContractDiff, diff_contracts, in_french
from accord.contracts.semver import Version
from accord.governance.impact import ImpactReport, renames
from accord.mapping import Mapping
from accord.mapping.loader import HeldTarget
from accord.settings import REPORTS, DataDirs

GOVERNANCE = f"{REPORTS}/governance"


def impact_key(contract_id: str, version: str, name: str = "impact.json") -> str:
    return f"{GOVERNANCE}/{contract_id}-{version}/{name}"


def save_impact(report: ImpactReport, dirs: DataDirs, pages: dict[str, str]) -> str:
    """The report (JSON) and its pages (name -> HTML) where the portal finds them; the JSON's key."""
    for name, html in pages.items():
        dirs.storage.write_text(impact_key(report.contract, report.proposed, name), html)
    saved = {"measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **report.to_json()}
    return dirs.storage.write_text(impact_key(report.contract, report.proposed),
                                   json.dumps(saved, ensure_ascii=False, indent=2))


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
    changes: list[str] = field(default_factory=list)  # the breaking changes, in words (English)
    changes_fr: list[str] = field(default_factory=list)  # the same in French
    impact: dict[str, Any] = field(default_factory=dict)  # the agency's part of the saved impact report
    measured: bool = False  # whether the report measured this agency
    migrated: bool = False  # the agency's mapping already feeds the new version (nothing left to do)
    ended: bool = False  # the version it feeds is past its sunset or retired: its files are refused
    unfilled: list[str] = field(default_factory=list)  # required fields of the new version its mapping does not
    # fill today (read from the mapping as it is now, not from the measure)
    examples: dict[str, str] = field(default_factory=dict)  # an unfilled field -> a valid value of it

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def measured_records(entry: dict[str, Any]) -> tuple[int, int]:
    """An agency's entry of a saved impact report: (records published today, of them moving to quarantine), over
    the extracts measured."""
    extracts = entry.get("extracts", [])
    return sum(e.get("published_before", 0) for e in extracts), sum(e.get("to_quarantine", 0) for e in extracts)


def _yours(saved: dict[str, Any] | None, agency: str) -> dict[str, Any] | None:
    for entry in (saved or {}).get("agencies", []):
        if entry.get("agency") == agency:
            published, moved = measured_records(entry)
            return {"impacted": entry.get("impacted"), "lint_findings": len(entry.get("findings", [])),
                    "to_quarantine": moved, "published": published, "renamed": entry.get("renamed", {}),
                    "measured_at": (saved or {}).get("measured_at")}
    return None


def fed_contracts(mappings: Iterable[Mapping]) -> dict[str, list[Contract]]:
    """Agency -> the contract versions its mappings feed today (each once)."""
    fed: dict[str, dict[str, Contract]] = {}
    for mapping in mappings:
        fed.setdefault(mapping.agency, {})[mapping.contract.label] = mapping.contract
    return {agency: list(contracts.values()) for agency, contracts in fed.items()}


def _unfilled(filled: set[str], diff: ContractDiff, new: Contract) -> list[str]:
    """Required fields of ``new`` that a mapping filling ``filled`` of the version ``diff`` starts from leaves
    empty (renames followed)."""
    renamed = renames(diff)
    given = {renamed.get(name, name) for name in filled}
    return [f.name for f in new.fields if f.required and f.name not in given]


def _newer(registry: ContractRegistry, current: Contract) -> list[Contract]:
    """Proposed or published versions after ``current``: a proposal in its own major, the newest version of each
    newer major; newest first."""
    found = [c for c in registry.contracts if c.id == current.id and c.major == current.major
             and c.status == "proposed" and Version.parse(c.version).key > Version.parse(current.version).key]
    for major in sorted({c.major for c in registry.contracts if c.id == current.id and c.major > current.major}):
        found.append(registry.resolve(current.id, major))
    return sorted((c for c in found if c.status in ("proposed", "active")),
                  key=lambda c: Version.parse(c.version).key, reverse=True)


def contract_changes(registry: ContractRegistry, mappings: Iterable[Mapping], dirs: DataDirs,
                     ended: Iterable[HeldTarget] = ()) -> list[ContractChange]:
    """For each agency of ``mappings`` (as they load now) and of ``ended`` (targets onto versions no longer
    produced, whose files are refused), every newer version of the contracts it feeds that is proposed or
    active, newest first: migrated when a mapping of the agency already feeds it. Each saved report is read
    once."""
    loaded = list(mappings)
    fed = fed_contracts(loaded)
    filled: dict[tuple[str, str], set[str]] = {}
    for mapping in loaded:
        filled.setdefault((mapping.agency, mapping.contract.label), set()).update(
            name for spec in mapping.specs for name in spec.fields)
    stopped: set[tuple[str, str]] = set()
    for held in ended:
        if held.kind == "ended" and held.contract is not None:
            fed.setdefault(held.agency, []).append(held.contract)
            stopped.add((held.agency, held.contract.label))
            filled.setdefault((held.agency, held.contract.label), set()).update(held.fields)
    reports: dict[str, dict[str, Any] | None] = {}
    found = []
    for agency, contracts in sorted(fed.items()):
        feeds = {c.label for c in contracts}
        for current in contracts:
            for new in _newer(registry, current):
                if new.label not in reports:
                    reports[new.label] = saved_impact(dirs, new.id, new.version)
                yours = _yours(reports[new.label], agency)
                migrated = new.label in feeds
                diff = diff_contracts(current, new)
                breaking = [c for c in diff.changes if c.breaking]
                unfilled = [] if migrated else _unfilled(filled.get((agency, current.label), set()), diff, new)
                found.append(ContractChange(
                    contract=new.id, version=new.version, status=new.status, feeds=current.version,
                    deadline=current.sunset if new.status == "active" else None,
                    changes=[c.message for c in breaking], changes_fr=[in_french(c) for c in breaking],
                    impact={"agency": agency, **(yours or {})}, measured=yours is not None, migrated=migrated,
                    ended=(agency, current.label) in stopped,
                    unfilled=unfilled, examples={n: new.examples[n] for n in unfilled if n in new.examples}))
    return found
