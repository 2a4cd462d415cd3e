"""One submission, end to end: process the archived extract, write its quarantine files, run the dataset
rules, stage its published part, record the result. Re-processing a submission rewrites the same files.

``run_submission`` is the door every caller uses (Dagster asset, ``accord run``): one run at a time per
submission (a lock), an attempt counted before the work starts, and whatever goes wrong recorded on the
submission (``failed``, with the reason) instead of escaping. A run killed half-way leaves the submission
``processing``; the next run takes it again, and after ``MAX_ATTEMPTS`` it is ``failed`` (``interrupted``).

Staged parts wait in ``published/<contract>/v<major>/.staged/agency=<agency>/`` until ``publish_agency``
publishes the agency's partition.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from accord import faults
from accord.contracts.model import Contract
from accord.intake import Intake
from accord.intake.store import MAX_ATTEMPTS, PENDING, Submission, SubmissionStore
from accord.mapping import Mapping
from accord.process import ExtractOutcome, stream_extract
from accord.publish.parquet import contract_dir, received_at, to_table
from accord.publish.pseudonym import PseudonymKey
from accord.publish.quarantine import error_report, quarantine_dir, write_errors_csv
from accord.publish.stream import ParquetStream
from accord.settings import DataDirs
from accord.storage.atomic import replacing, write_text
from accord.storage.private import private_dir
from accord.validation import DatasetResult, row_schema, validate_metrics

log = logging.getLogger("accord.submission")


@dataclass
class SubmissionResult:
    submission_id: str
    agency: str
    contract: str
    contract_version: str
    source_file: str
    sha256: str
    received_at: str
    status: str  # processed | rejected | failed
    rejected: str | None
    rows_in: int
    rows_published: int
    rows_quarantined: int
    rule_counts: dict[str, int]
    errors_csv: str | None
    staged_file: str | None
    dataset_rules: list[dict[str, Any]] = field(default_factory=list)
    dataset_rules_success: bool | None = None
    data_docs: str | None = None
    rejection_reason: str | None = None
    failure: str | None = None  # failed: what went wrong (accord's problem, not the agency's)

    @property
    def balanced(self) -> bool:
        """Every record is published or quarantined (never true of a submission that could not finish)."""
        return self.status != "failed" and self.rows_in == self.rows_published + self.rows_quarantined

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "balanced": self.balanced}


def staging_dir(dirs: DataDirs, contract: Contract, agency: str) -> Path:
    return contract_dir(dirs.published, contract) / ".staged" / f"agency={agency}"


def result_file(dirs: DataDirs, submission_id: str) -> Path:
    return dirs.reports / "submissions" / f"{submission_id}.json"


def _write_quarantine(outcome: ExtractOutcome, submission: Submission, mapping: Mapping, dirs: DataDirs) -> Path | None:
    contract = mapping.contract
    folder = quarantine_dir(dirs.quarantine, mapping.agency, contract.id, contract.major)
    stem = f"{submission.sha256[:16]}-{submission.file_name}"
    errors_csv, rows_file = folder / f"{stem}.errors.csv", folder / f"{stem}.rows.parquet"
    if outcome.errors is None:
        errors_csv.unlink(missing_ok=True)
        rows_file.unlink(missing_ok=True)
        return None
    private_dir(folder)
    report = error_report(outcome.error_records(), mapping.agency, submission.file_name, mapping.field_sources)
    write_errors_csv(report, errors_csv)
    if outcome.quarantined is not None:
        with replacing(rows_file, private=True) as temporary:
            pl.scan_parquet(outcome.quarantined).sink_parquet(temporary, compression="zstd")
    else:  # problems but no record (a missing column in an empty file): no rows file from an earlier run
        rows_file.unlink(missing_ok=True)
    return errors_csv


class _Stager:
    """The published rows of one submission, batch by batch, into its staged part (pseudonyms, lineage,
    provenance metadata); the part appears only when complete."""

    def __init__(self, submission: Submission, mapping: Mapping, dirs: DataDirs, key: PseudonymKey,
                 when: dt.datetime) -> None:
        self.mapping, self.key = mapping, key
        folder = staging_dir(dirs, mapping.contract, mapping.agency)
        self.target = folder / f"part-{submission.sha256[:16]}.parquet"
        for stale in folder.glob(f".tmp-*-{self.target.name}"):  # left by a run of this submission that was killed
            stale.unlink(missing_ok=True)
        self.lineage = {"_agency": mapping.agency, "_source_file": submission.file_name, "_ingested_at": when}
        self.metadata = {"agency": mapping.agency, "source_file": submission.file_name,
                         "source_sha256": submission.sha256, "submission_id": submission.submission_id,
                         "mapping_file": f"{mapping.agency}/{mapping.file.name}", "mapping_sha256": mapping.sha256}
        self.stream = ParquetStream(self.target)

    def __call__(self, values: pl.DataFrame) -> None:
        self.stream.write(to_table(values, self.mapping.contract, self.key, self.lineage, self.metadata))

    def finish(self, keep: bool) -> Path | None:
        if not keep:
            self.stream.abort()
            self.target.unlink(missing_ok=True)
            return None
        return self.stream.close()


def _write_result(dirs: DataDirs, result: SubmissionResult) -> None:
    write_text(result_file(dirs, result.submission_id), json.dumps(result.to_json(), indent=2, default=str))


def process_submission(
    submission: Submission, mapping: Mapping, dirs: DataDirs, store: SubmissionStore, key: PseudonymKey, *,
    dataset_rules: bool = True,
) -> tuple[SubmissionResult, DatasetResult | None]:
    """Process one submission (the caller holds it: see ``run_submission``)."""
    contract = mapping.contract
    work = dirs.work / submission.submission_id
    shutil.rmtree(work, ignore_errors=True)  # left by a run that was killed
    private_dir(work)
    stager = _Stager(submission, mapping, dirs, key, received_at(submission.archived))
    try:
        outcome = stream_extract(submission.archived, mapping, row_schema(contract), work, stager,
                                 sha256=submission.sha256)
        faults.point("process.after-extract")
        staged = stager.finish(keep=outcome.rejected is None)
        faults.point("process.after-stage")
        errors_csv = _write_quarantine(outcome, submission, mapping, dirs)
        faults.point("process.after-quarantine")
    finally:
        stager.stream.abort()
        shutil.rmtree(work, ignore_errors=True)
    checked = None
    if dataset_rules and outcome.rejected is None:
        checked = validate_metrics(contract, f"{contract.id}.v{contract.major}.{submission.submission_id}",
                                   outcome.metrics, dirs.reports / "data_docs")
        faults.point("process.after-dataset-rules")
    status = "processed" if outcome.rejected is None else "rejected"
    result = SubmissionResult(
        submission_id=submission.submission_id, agency=mapping.agency, contract=contract.id,
        contract_version=contract.version, source_file=submission.file_name, sha256=submission.sha256,
        received_at=submission.received_at, status=status, rejected=outcome.rejected, rows_in=outcome.rows_in,
        rows_published=outcome.rows_published if outcome.rejected is None else 0,
        rows_quarantined=outcome.rows_quarantined, rule_counts=outcome.rule_counts,
        errors_csv=str(errors_csv) if errors_csv else None, staged_file=str(staged) if staged else None,
        dataset_rules=[asdict(o) for o in checked.outcomes] if checked else [],
        dataset_rules_success=checked.success if checked else None,
        data_docs=str(checked.docs_index) if checked and checked.docs_index else None,
        rejection_reason=outcome.rejection_reason,
    )
    _write_result(dirs, result)
    faults.point("process.after-report")
    store.set_status(submission.submission_id, status, outcome.rejection_reason or "", outcome.rejected or "")
    return result, checked


def _failed(submission: Submission, contract: Contract | None, dirs: DataDirs, store: SubmissionStore,
            reason: str, detail: str) -> SubmissionResult:
    result = SubmissionResult(
        submission_id=submission.submission_id, agency=submission.agency,
        contract=contract.id if contract else submission.target.split("/")[0],
        contract_version=contract.version if contract else "", source_file=submission.file_name,
        sha256=submission.sha256, received_at=submission.received_at, status="failed", rejected=None, rows_in=0,
        rows_published=0, rows_quarantined=0, rule_counts={}, errors_csv=None, staged_file=None,
        failure=f"{reason}: {detail}")
    _write_result(dirs, result)
    store.set_status(submission.submission_id, "failed", reason, detail)
    return result


def run_submission(submission_id: str, intake: Intake, key: PseudonymKey, *, dataset_rules: bool = True,
                   ) -> tuple[SubmissionResult, DatasetResult | None] | None:
    """Process one pending submission under its lock; None when another run holds it or it is not pending
    (already done). A failure is recorded on the submission and returned as a ``failed`` result."""
    store = intake.store
    with store.locks.hold(f"submission-{submission_id}", wait=False) as held:
        if not held:
            return None
        submission = store.get(submission_id)
        if submission.status not in PENDING:
            return None
        mapping = None
        try:
            mapping = intake.mapping_for(submission)
            if submission.attempts >= MAX_ATTEMPTS:  # every earlier run was killed before it could finish
                return _failed(submission, mapping.contract, intake.dirs, store, "interrupted",
                               f"{submission.attempts} runs stopped before finishing (killed, out of memory?)"), None
            submission = store.begin_processing(submission_id)
            return process_submission(submission, mapping, intake.dirs, store, key, dataset_rules=dataset_rules)
        except Exception as exc:
            log.exception("submission %s failed", submission_id)
            return _failed(submission, mapping.contract if mapping else None, intake.dirs, store, "internal-error",
                           f"{type(exc).__name__}: {exc}"), None
