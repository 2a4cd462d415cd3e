"""What a proposed contract version would cost each agency, measured before it is adopted.

For every agency mapping onto the contract: does the mapping still lint against the proposal (its findings at
the mapping's own lines), which required fields of the proposal it does not fill, and what its latest archived
extract(s) become when mapped onto the proposal (renamed fields followed, as ``accord mapping upgrade
--to-contract`` would): records moving from published to quarantined and back, by rule and column with counts
and examples, and the codes it sends that the proposal removes. It reads the archive and writes nothing.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from accord.contracts import Contract, ContractRegistry
from accord.contracts.diff import ContractDiff, diff_contracts
from accord.errors import MappingError
from accord.findings import Finding
from accord.intake.landing import store_for
from accord.mapping import Mapping
from accord.mapping.lint import lint_document
from accord.mapping.loader import scan_mappings
from accord.process import ExtractFrames, process_extract
from accord.reasons import ROW
from accord.settings import DataDirs
from accord.validation import row_schema
from accord.yamlfile import load_yaml

EXAMPLES = 3


@dataclass
class RuleMove:
    rule: str
    column: str | None
    records: int
    examples: list[dict[str, Any]]  # {"source_row", "value"}


@dataclass
class ExtractImpact:
    submission_id: str
    file_name: str
    rows_in: int
    published_before: int  # source records
    published_after: int
    to_quarantine: int  # source records published today that the proposal would quarantine
    to_published: int  # and the reverse
    why: list[RuleMove] = field(default_factory=list)  # the new errors of the records moving to quarantine
    removed_codes: dict[str, list[str]] = field(default_factory=dict)  # field -> codes sent the proposal drops

    @property
    def changed(self) -> bool:
        return bool(self.to_quarantine or self.to_published or self.removed_codes)


@dataclass
class AgencyImpact:
    agency: str
    mapping: str  # the mapping file
    current: str  # the contract version the mapping feeds today
    findings: list[Finding] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)  # old field -> new field, followed
    unfilled: list[str] = field(default_factory=list)  # required fields of the proposal the mapping leaves empty
    extracts: list[ExtractImpact] = field(default_factory=list)

    @property
    def impacted(self) -> bool:
        return bool(self.findings or self.unfilled or any(e.changed for e in self.extracts))


@dataclass
class ImpactReport:
    contract: str
    proposed: str
    diff: ContractDiff | None
    agencies: list[AgencyImpact]

    @property
    def impacted(self) -> bool:
        return any(a.impacted for a in self.agencies)

    def to_json(self) -> dict[str, Any]:
        def agency(a: AgencyImpact) -> dict[str, Any]:
            return {**dataclasses.asdict(a), "findings": [dataclasses.asdict(f) for f in a.findings],
                    "impacted": a.impacted}

        return {"contract": self.contract, "proposed_version": self.proposed, "impacted": self.impacted,
                "changes": self.diff.to_json()["changes"] if self.diff else [],
                "agencies": [agency(a) for a in self.agencies]}


class _AsProposed(ContractRegistry):
    """The project's contracts, the major a mapping names answered by the proposal (lint at the file's lines)."""

    def __init__(self, base: ContractRegistry, proposed: Contract, major: int) -> None:
        super().__init__(base.contracts)
        self.proposed, self.major = proposed, major

    def resolve(self, contract_id: str, major: int) -> Contract:
        if contract_id == self.proposed.id and major == self.major:
            return self.proposed
        return super().resolve(contract_id, major)


def bump_shortfall(proposed: Contract, contracts: ContractRegistry) -> ContractDiff | None:
    """The diff from the version ``proposed`` follows, when its version number is not bumped enough for its
    changes (``accord contract diff`` would exit 1); None when it is, or when it follows nothing."""
    previous = contracts.predecessor(proposed)
    diff = diff_contracts(previous, proposed) if previous is not None else None
    return diff if diff is not None and not diff.ok else None


def renames(diff: ContractDiff) -> dict[str, str]:
    """Old field name -> new one, for the fields the diff says were renamed."""
    return {c.was: c.field for c in diff.changes if c.kind == "field-renamed" and c.was and c.field}


def proposed_mapping(mapping: Mapping, proposed: Contract, renamed: dict[str, str]) -> Mapping:
    """``mapping`` onto ``proposed``: each target's fields under their new names."""
    specs = [spec.model_copy(update={"contract_version": proposed.major, "fields": {
        renamed.get(name, name): entry for name, entry in spec.fields.items()}}) for spec in mapping.specs]
    return dataclasses.replace(mapping, spec=specs[0], branches=tuple(specs[1:]), contract=proposed)


def _records(frames: ExtractFrames) -> set[int]:
    return set(frames.published.get_column(ROW).to_list())


def _why(after: ExtractFrames, moved: set[int]) -> list[RuleMove]:
    errors = after.errors.filter(pl.col(ROW).is_in(list(moved)))
    found = []
    for (rule, column), group in errors.group_by(["rule", "column"], maintain_order=True):
        rows = group.unique(ROW, keep="first", maintain_order=True).sort(ROW)
        found.append(RuleMove(str(rule), column if column is None else str(column), rows.height,
                              [{"source_row": r, "value": v} for r, v in rows.select(ROW, "value").head(EXAMPLES)
                               .rows()]))
    return sorted(found, key=lambda m: (-m.records, m.rule, m.column or ""))


def _removed_codes(before: ExtractFrames, current: Contract, proposed: Contract,
                   renamed: dict[str, str]) -> dict[str, list[str]]:
    removed = {}
    for old in current.fields:
        new = next((f for f in proposed.fields if f.name == renamed.get(old.name, old.name)), None)
        if old.enum is None or new is None or new.enum is None or old.name not in before.published.columns:
            continue
        sent = {str(v) for v in before.published.get_column(old.name).drop_nulls().unique().to_list()}
        gone = sorted(sent - set(new.enum))
        if gone:
            removed[new.name] = gone
    return removed


def _extract_impact(file: Path, submission: Any, mapping: Mapping, moved: Mapping,
                    renamed: dict[str, str]) -> ExtractImpact:
    before = process_extract(file, mapping, row_schema(mapping.contract))
    after = process_extract(file, moved, row_schema(moved.contract))
    published, would = _records(before), _records(after)
    return ExtractImpact(submission.submission_id, submission.file_name, before.rows_in, len(published), len(would),
                         len(published - would), len(would - published), _why(after, published - would),
                         _removed_codes(before, mapping.contract, moved.contract, renamed))


def _measure_extracts(impact: AgencyImpact, dirs: DataDirs, mapping: Mapping, moved: Mapping,
                      renamed: dict[str, str], extracts: int) -> None:
    """The agency's latest ``extracts`` processed submissions to the contract, as they are archived."""
    target = f"{mapping.contract.id}/v{mapping.contract.major}"
    done = [s for s in store_for(dirs).newest(mapping.agency)
            if s.contract == target and s.status == "processed" and s.archived_path][:extracts]
    for submission in done:
        with tempfile.TemporaryDirectory(prefix="accord-impact-") as work, \
                dirs.storage.local_copy(dirs.storage.key(submission.archived_path or ""), Path(work)) as file:
            impact.extracts.append(_extract_impact(file, submission, mapping, moved, renamed))


def measure_impact(proposed: Contract, contracts: ContractRegistry, mappings_dir: Path, dirs: DataDirs | None,
                   *, extracts: int = 1) -> ImpactReport:
    """The impact of ``proposed`` on every agency mapping onto its contract, on each one's latest ``extracts``
    archived submissions (none when ``dirs`` is None or the archive holds none)."""
    mappings = [m for m in scan_mappings(mappings_dir, contracts).mappings if m.spec.contract == proposed.id]
    agencies = []
    diffs: dict[str, ContractDiff] = {}  # from each version the mappings feed (most feed the same one)
    for mapping in sorted(mappings, key=lambda m: (m.agency, str(m.file))):
        if mapping.contract.label not in diffs:
            diffs[mapping.contract.label] = diff_contracts(mapping.contract, proposed)
        renamed = renames(diffs[mapping.contract.label])
        moved = proposed_mapping(mapping, proposed, renamed)
        try:
            doc = load_yaml(mapping.file, MappingError)
            findings = lint_document(doc, _AsProposed(contracts, proposed, mapping.spec.contract_version))[0]
        except MappingError as exc:
            findings = [Finding(str(mapping.file), exc.line, exc.path, exc.message)]
        filled = {name for spec in moved.specs for name in spec.fields}
        shown = mapping.file.relative_to(mappings_dir.parent) if mapping.file.is_relative_to(mappings_dir.parent) \
            else mapping.file
        impact = AgencyImpact(mapping.agency, str(shown), mapping.contract.label, findings, renamed,
                              [f.name for f in proposed.fields if f.required and f.name not in filled])
        if dirs is not None:
            _measure_extracts(impact, dirs, mapping, moved, renamed, extracts)
        agencies.append(impact)
    newest = max((m.contract for m in mappings), key=lambda c: c.major, default=None)  # the report's diff
    return ImpactReport(proposed.id, proposed.version, diffs[newest.label] if newest else None, agencies)
