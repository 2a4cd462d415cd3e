"""A new major starts full: ``accord contract backfill person --major 2`` processes each migrated agency's archived
extracts of the older majors onto the new one, so the new major holds the population the old one does.

An agency has migrated when one of its mappings feeds the new major. Each of its processed submissions to an
older major of the contract whose file that mapping claims (by name, as pickup would) gets a record for the new
major (``<agency>-<sha[:16]>-<contract>-v<major>``: the id pickup gives a file feeding several targets), sharing
the archived copy and keeping the original's received time, so survivorship orders them as it did. Files already
recorded for the new major (sent after the migration, or backfilled before) are left alone: a second backfill
adds nothing, and one killed midway is finished by the next (its records wait as ``received`` or
``processing``, as any run's do). Then the pending records are processed and the agency's table and the
integrated table published, as ``accord run`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from accord import faults
from accord.agency import publish_agency
from accord.contracts import Contract
from accord.intake import Intake
from accord.intake.claims import matching_mappings
from accord.intake.store import PENDING, Submission
from accord.integrate import integrate
from accord.mapping import Mapping
from accord.publish.pseudonym import PseudonymKey
from accord.settings import DataDirs
from accord.submission import run_submission


@dataclass
class AgencyBackfill:
    agency: str
    added: list[str] = field(default_factory=list)  # submission ids recorded for the new major by this call
    already: int = 0  # older submissions already recorded for the new major
    processed: int = 0
    rows_in: int = 0
    rows_published: int = 0
    rows_quarantined: int = 0
    rows_filtered: int = 0

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.rows_published + self.rows_quarantined + self.rows_filtered


def _older(submission: Submission, contract: Contract) -> bool:
    cid, _, major = (submission.contract or "").partition("/v")
    return cid == contract.id and major.isdigit() and int(major) < contract.major


def _records(intake: Intake, mapping: Mapping) -> tuple[list[Submission], int]:
    """Records for the new major of the agency's archived extracts it does not have yet; how many it has."""
    contract = mapping.contract
    target = f"{contract.id}/v{contract.major}"
    store = intake.store
    sources: dict[str, Submission] = {}
    for submission in store.with_status("processed"):  # oldest first
        if (submission.agency == mapping.agency and submission.archived_path and _older(submission, contract)
                and matching_mappings(mapping.agency, submission.file_name, [mapping])):
            sources.setdefault(submission.sha256, submission)
    added, already = [], 0
    for sha, source in sources.items():
        if store.original(mapping.agency, sha, target) is not None:
            already += 1
            continue
        added.append(store.add(replace(
            source, submission_id=f"{mapping.agency}-{sha[:16]}-{contract.id}-v{contract.major}", contract=target,
            status="received", reason="", detail=f"backfill of {source.submission_id} onto {contract.label}",
            duplicate_of=None, landing_entry=None, attempts=0)))
        faults.point("backfill.after-record")
    return added, already


def backfill(mappings: list[Mapping], contract: Contract, dirs: DataDirs, key: PseudonymKey,
             *, dataset_rules: bool = False) -> list[AgencyBackfill]:
    """Backfill ``contract`` (a new major) from the archive, for every agency whose mapping in ``mappings``
    feeds it; then publish. One entry per agency, in agency order."""
    feeding = sorted((m for m in mappings if m.contract.id == contract.id and m.contract.major == contract.major),
                     key=lambda m: m.agency)
    intake = Intake(dirs, feeding)
    target = f"{contract.id}/v{contract.major}"
    done = []
    for mapping in feeding:
        added, already = _records(intake, mapping)
        result = AgencyBackfill(mapping.agency, [s.submission_id for s in added], already)
        for submission in intake.store.with_status(*PENDING):
            if submission.agency != mapping.agency or submission.contract != target:
                continue
            ran = run_submission(submission.submission_id, intake, key, dataset_rules=dataset_rules)
            if ran is None:
                continue
            outcome = ran[0]
            result.processed += 1
            result.rows_in += outcome.rows_in
            result.rows_published += outcome.rows_published
            result.rows_quarantined += outcome.rows_quarantined
            result.rows_filtered += outcome.rows_filtered
        publish_agency(mapping.contract, mapping.agency, dirs, key)
        done.append(result)
    if feeding:
        integrate(feeding[0].contract, dirs, key)
    return done
