"""A contract version's life, as ODCS ``status``: proposed -> active -> deprecated -> retired.

``publish`` makes a proposed version active; the older majors still active become deprecated, with the sunset
date after which they are no longer produced (``customProperties: sunset``). Until then an agency's mapping
may feed both majors side by side (one target each, ``accord mapping upgrade --to-contract``); after it, the
old major's targets are not loaded any more (``Contract.produced_on``), and ``retire`` marks the version and
its manifest retired: its tables stay readable. Every action is idempotent (doing it twice changes nothing
the second time) and recorded in the audit trail. The contract files are edited on their ``status`` line
and one top-level custom property, so their comments stay; each edit is checked by loading the contract.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accord.contracts import ContractRegistry, load_contract
from accord.errors import ContractError
from accord.governance.audit import ContractEvent, events, now, record
from accord.governance.changes import measured_records, save_impact, saved_impact
from accord.governance.impact import ImpactReport
from accord.governance.report import impact_pages
from accord.intake.store import SubmissionStore
from accord.publish.manifest import manifest_key, read_manifest, write_manifest
from accord.settings import DataDirs

_STATUS = re.compile(r"^status:[ \t]*\S+[ \t]*$", re.MULTILINE)
_SUNSET = re.compile(r"^(  - property: sunset\n    value: ).*$", re.MULTILINE)


@dataclass(frozen=True)
class Step:
    """One change made (or found already made) to a contract file."""

    contract: str
    version: str
    action: str
    done: bool  # False: it was already so


def _edit(file: Path, status: str, sunset: str | None = None) -> bool:
    """Set the file's ``status`` (and sunset); whether anything changed. A file the edit would break is left as
    it was."""
    text = file.read_text("utf-8")
    if not _STATUS.search(text):
        raise ContractError("the contract has no top-level 'status:' line to change", file=file)
    changed = _STATUS.sub(f"status: {status}", text, count=1)
    if sunset is not None:
        if _SUNSET.search(changed):
            changed = _SUNSET.sub(lambda m: f'{m.group(1)}"{sunset}"', changed, count=1)
        elif re.search(r"^customProperties:", changed, re.MULTILINE):
            raise ContractError("the contract has top-level customProperties: add the sunset there by hand "
                                f"(- property: sunset, value: \"{sunset}\")", file=file)
        else:
            changed = changed.rstrip("\n") + f'\ncustomProperties:\n  - property: sunset\n    value: "{sunset}"\n'
    if changed == text:
        return False
    file.write_text(changed, encoding="utf-8")
    try:
        load_contract(file)
    except ContractError:
        file.write_text(text, encoding="utf-8")
        raise
    return True


def _version_file(contracts_dir: Path, contract_id: str, version: str) -> Path:
    file = contracts_dir / contract_id / f"{version}.yaml"
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", contract_id) or not file.is_file():
        raise ContractError(f"no contract file contracts/{contract_id}/{version}.yaml")
    return file


def proposed(report: ImpactReport, dirs: DataDirs, store: SubmissionStore, actor: str) -> bool:
    """Keep a proposal's measured impact where the portal shows it (replacing an earlier measure) and record
    that the version was proposed, once; whether this call recorded it."""
    save_impact(report, dirs, impact_pages(report))
    if any(e.action == "proposed" and e.version == report.proposed for e in events(store, report.contract)):
        return False
    record(store, ContractEvent(now(), actor, "proposed", report.contract, report.proposed))
    return True


@dataclass(frozen=True)
class AcceptedImpact:
    """What publishing a version costs the agencies, as ``accord contract propose`` last measured it (saved in
    the data directory): what the operator accepts, and what the audit trail keeps."""

    measured_at: str | None
    agencies: tuple[dict[str, Any], ...]  # the saved report's entries

    @property
    def measured(self) -> bool:
        return self.measured_at is not None or bool(self.agencies)

    @property
    def losing(self) -> bool:
        """Agencies would lose records at the sunset (or nobody measured it, which must not pass as nothing)."""
        return not self.measured or any(a.get("impacted") for a in self.agencies)

    def lines(self) -> list[str]:
        if not self.measured:
            return ["not measured: run accord contract propose on this version first to see what each agency loses"]
        found = []
        for entry in self.agencies:
            before, moved = measured_records(entry)
            unfilled = ", ".join(entry.get("unfilled", [])) or "none"
            found.append(f"{entry.get('agency')}: {moved} of its {before} published record(s) in its latest "
                         f"extract(s) would be quarantined; required fields it does not fill: {unfilled}"
                         if entry.get("impacted") else f"{entry.get('agency')}: not affected")
        return found

    def summary(self) -> str:
        """One line for the audit trail."""
        when = f"impact measured {self.measured_at}" if self.measured_at else "impact"
        return f"{when}: " + "; ".join(self.lines())


def accepted_impact(dirs: DataDirs, contract_id: str, version: str) -> AcceptedImpact:
    saved = saved_impact(dirs, contract_id, version) or {}
    return AcceptedImpact(saved.get("measured_at"), tuple(saved.get("agencies", [])))


def publish(contracts_dir: Path, contract_id: str, version: str, store: SubmissionStore, actor: str,
            sunset: str | None = None, impact: str = "") -> list[Step]:
    """Make ``version`` active beside the older majors, which become deprecated until ``sunset``; ``impact``: the
    measured impact the operator accepted, kept in the audit trail with the publication."""
    file = _version_file(contracts_dir, contract_id, version)
    new = load_contract(file)
    if new.status not in ("proposed", "active"):
        raise ContractError(f"{new.label} is {new.status}: only a proposed version is published", file=file)
    if sunset is not None:
        dt.date.fromisoformat(sunset)  # a date, or ValueError
    steps = [Step(contract_id, version, "published", _edit(file, "active"))]
    registry = ContractRegistry.load(contracts_dir)
    for major in sorted({c.major for c in registry.contracts if c.id == contract_id and c.major < new.major}):
        old = registry.resolve(contract_id, major)
        if old.status in ("active", "deprecated"):
            steps.append(Step(contract_id, old.version, "deprecated", _edit(old.file, "deprecated", sunset)))
    for step in steps:
        if step.done:
            detail = f"sunset {sunset}" if step.action == "deprecated" and sunset else \
                impact if step.action == "published" else ""
            record(store, ContractEvent(now(), actor, step.action, step.contract, step.version, detail))
    return steps


def retire(contracts_dir: Path, contract_id: str, major: int, store: SubmissionStore, actor: str,
           dirs: DataDirs | None = None) -> Step:
    """Mark the latest version of ``major`` retired: no longer produced, its tables kept and readable, its
    manifest (in ``dirs``, when it has one) saying so."""
    registry = ContractRegistry.load(contracts_dir)
    old = registry.resolve(contract_id, major)
    newer = [c for c in registry.contracts if c.id == contract_id and c.major > major and c.status == "active"]
    if not newer and old.status != "retired":
        raise ContractError(f"{old.label} is the newest active major of {contract_id}: publish its successor first")
    step = Step(contract_id, old.version, "retired", _edit(old.file, "retired"))
    if dirs is not None and dirs.storage.exists(manifest_key(old)):
        manifest = read_manifest(dirs, old)
        if manifest["contract"].get("status") != "retired":
            manifest["contract"]["status"] = "retired"
            write_manifest(dirs, old, manifest)
    if step.done:
        record(store, ContractEvent(now(), actor, "retired", contract_id, old.version))
    return step
