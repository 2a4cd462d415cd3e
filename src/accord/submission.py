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

import json
import logging
import shutil
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import polars as pl

from accord import faults
from accord.accounting import all_accounted
from accord.contracts.model import Contract
from accord.identity.vault import VaultWriter
from accord.intake import Intake
from accord.intake.store import MAX_ATTEMPTS, PENDING, Submission, SubmissionStore
from accord.mapping import Mapping
from accord.process import ExtractOutcome, stream_extract
from accord.publish.parquet import received_at, repeating_columns, staged_schema, to_table
from accord.publish.pseudonym import PseudonymKey
from accord.publish.quarantine import error_report, write_errors_csv
from accord.publish.stream import ParquetStream
from accord.publish.tables import contract_key
from accord.reasons import ROW
from accord.settings import QUARANTINE, REPORTS, DataDirs
from accord.storage.private import private_dir
from accord.validation import DatasetResult, DocsSite, row_schema, validate_metrics

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
    extra_columns: list[str] = field(default_factory=list)  # in the file, not read by the mapping
    read_notes: list[dict[str, str]] = field(default_factory=list)  # read unlike the mapping says ({en, fr})
    rows_filtered: int = 0  # source records a filter of the mapping set aside (listed in filtered_csv)
    records_published: int | None = None  # source records published, when explode/unpivot make several each
    filtered_csv: str | None = None

    @property
    def balanced(self) -> bool:
        """Every record is published, quarantined or filtered (never true of a submission that could not
        finish)."""
        published = self.rows_published if self.records_published is None else self.records_published
        return self.status != "failed" and all_accounted(self.rows_in, published, self.rows_quarantined,
                                                    self.rows_filtered)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "balanced": self.balanced}


def staging_key(contract: Contract, agency: str) -> str:
    """Where an agency's staged parts wait for publication (one per processed submission)."""
    return f"{contract_key(contract)}/.staged/agency={agency}"


def staged_agencies(dirs: DataDirs, contract: Contract) -> set[str]:
    """The agencies with staged parts for ``contract``."""
    prefix = staging_key(contract, "")
    return {k[len(prefix):].split("/", 1)[0] for k in dirs.storage.list(prefix.rsplit("/", 1)[0])
            if k.startswith(prefix)}


def part_key(contract: Contract, agency: str, submission_id: str) -> str:
    """A submission's staged part, named by its id without the agency (``part-<sha256[:16]>``, and for a
    target of a mapping file with several ``part-<sha256[:16]>-<contract>-v<major>``)."""
    return f"{staging_key(contract, agency)}/part-{submission_id.removeprefix(agency + '-')}.parquet"


def staged_parts(dirs: DataDirs, contract: Contract, agency: str) -> dict[str, str]:
    """Submission id -> key of its staged part (the part's name is the submission id without the agency)."""
    parts = {}
    for key in dirs.storage.list(staging_key(contract, agency)):
        name = key.rsplit("/", 1)[-1]
        if name.startswith("part-") and name.endswith(".parquet"):
            parts[f"{agency}-{name[5:-8]}"] = key
    return parts


def result_key(submission_id: str) -> str:
    return f"{REPORTS}/submissions/{submission_id}.json"


def _write_quarantine(outcome: ExtractOutcome, submission: Submission, mapping: Mapping, dirs: DataDirs,
                      work: Path) -> str | None:
    """The error report and the quarantined records, stored whole (private); their URI, or None when clean."""
    contract = mapping.contract
    folder = f"{QUARANTINE}/{mapping.agency}/{contract.id}/v{contract.major}"
    stem = f"{submission.sha256[:16]}-{submission.file_name}"
    errors_key, rows_key = f"{folder}/{stem}.errors.csv", f"{folder}/{stem}.rows.parquet"
    storage = dirs.storage
    if outcome.errors is None:
        storage.delete(errors_key)
        storage.delete(rows_key)
        return None
    report = error_report(outcome.error_records(), mapping.agency, submission.file_name, mapping.field_sources,
                          messages=False)
    local = work / "errors.csv"
    write_errors_csv(report, local, examples=mapping.examples)
    uri = storage.put_file(local, errors_key, private=True, move=True)
    if outcome.quarantined is not None:
        rows = work / "quarantined.zstd.parquet"
        pl.scan_parquet(outcome.quarantined).sink_parquet(rows, compression="zstd")
        storage.put_file(rows, rows_key, private=True, move=True)
    else:  # problems but no record (a missing column in an empty file): no rows file from an earlier run
        storage.delete(rows_key)
    return uri


def _write_filtered(outcome: ExtractOutcome, submission: Submission, mapping: Mapping, dirs: DataDirs,
                    work: Path) -> str | None:
    """The source records the mapping's filters set aside, with the reason (``source_row,reason``): never
    silently dropped. Their URI, or None when none was."""
    contract = mapping.contract
    key = f"{QUARANTINE}/{mapping.agency}/{contract.id}/v{contract.major}/" \
          f"{submission.sha256[:16]}-{submission.file_name}.filtered.csv"
    if outcome.filtered is None:
        dirs.storage.delete(key)
        return None
    local = work / "filtered.csv"  # the reasons are the mapping's text (agency-written): spreadsheet-safe
    write_errors_csv(pl.read_parquet(outcome.filtered).rename({ROW: "source_row"}), local)
    return dirs.storage.put_file(local, key, private=True, move=True)


class _Stager:
    """The published rows of one submission, batch by batch, into its staged part (pseudonyms, lineage,
    provenance metadata), written in the work folder and stored whole when complete."""

    def __init__(self, submission: Submission, mapping: Mapping, key: PseudonymKey, work: Path) -> None:
        self.mapping, self.key = mapping, key
        self.key_name = part_key(mapping.contract, mapping.agency, submission.submission_id)
        self.lineage = {"_agency": mapping.agency, "_submission_id": submission.submission_id,
                        "_source_file": submission.file_name, "_ingested_at": received_at(submission.received_at)}
        self.metadata = {"agency": mapping.agency, "source_file": submission.file_name,
                         "source_sha256": submission.sha256, "submission_id": submission.submission_id,
                         "mapping_file": f"{mapping.agency}/{mapping.file.name}", "mapping_sha256": mapping.sha256}
        contract = mapping.contract
        self.stream = ParquetStream(work / "staged.parquet",
                                    repeating_columns(contract, staged_schema(contract).names))
        self.vault = VaultWriter(contract, mapping.agency, submission.submission_id,
                                 received_at(submission.received_at), work) if contract.identity else None

    def __call__(self, values: pl.DataFrame) -> None:
        if self.vault is not None:  # the clear identifying values, before the pseudonyms
            self.vault(values)
        self.stream.write(to_table(values, self.mapping.contract, self.key, self.lineage, self.metadata))

    def finish(self, dirs: DataDirs, keep: bool) -> str | None:
        """Store the part (or remove a part an earlier run of this submission staged); its URI."""
        if self.vault is not None:
            self.vault.finish(dirs, keep)
        if not keep:
            self.stream.abort()
            dirs.storage.delete(self.key_name)
            return None
        written = self.stream.close()
        if written is None:  # nothing published: no part
            dirs.storage.delete(self.key_name)
            return None
        return dirs.storage.put_file(written, self.key_name, move=True)

    def abort(self) -> None:
        self.stream.abort()
        if self.vault is not None:
            self.vault.abort()


def recorded_result(dirs: DataDirs, submission_id: str) -> SubmissionResult | None:
    """The result recorded when the submission was last processed (None: never processed)."""
    key = result_key(submission_id)
    if not dirs.storage.exists(key):
        return None
    record = json.loads(dirs.storage.read_text(key))
    return SubmissionResult(**{f.name: record[f.name] for f in fields(SubmissionResult) if f.name in record})


def _write_result(dirs: DataDirs, result: SubmissionResult) -> None:
    dirs.storage.write_text(result_key(result.submission_id), json.dumps(result.to_json(), indent=2, default=str))


def process_submission(
    submission: Submission, mapping: Mapping, dirs: DataDirs, store: SubmissionStore, key: PseudonymKey, *,
    dataset_rules: bool = True,
) -> tuple[SubmissionResult, DatasetResult | None]:
    """Process one submission (the caller holds it: see ``run_submission``)."""
    contract = mapping.contract
    work = dirs.work / submission.submission_id
    shutil.rmtree(work, ignore_errors=True)  # left by a run that was killed
    private_dir(work)
    stager = _Stager(submission, mapping, key, work)
    try:
        with dirs.storage.local_copy(dirs.storage.key(submission.archived_path or ""), work) as archived:
            outcome = stream_extract(archived, mapping, row_schema(contract), work / "extract", stager,
                                     sha256=submission.sha256, received=received_at(submission.received_at))
        faults.point("process.after-extract")
        staged = stager.finish(dirs, keep=outcome.rejected is None)
        faults.point("process.after-stage")
        errors_csv = _write_quarantine(outcome, submission, mapping, dirs, work)
        filtered_csv = _write_filtered(outcome, submission, mapping, dirs, work)
        faults.point("process.after-quarantine")
    finally:
        stager.abort()
        shutil.rmtree(work, ignore_errors=True)
    checked = None
    if dataset_rules and outcome.rejected is None:
        checked = validate_metrics(contract, f"{contract.id}.v{contract.major}.{submission.submission_id}",
                                   outcome.metrics, DocsSite.of(dirs))
        faults.point("process.after-dataset-rules")
    status = "processed" if outcome.rejected is None else "rejected"
    result = SubmissionResult(
        submission_id=submission.submission_id, agency=mapping.agency, contract=contract.id,
        contract_version=contract.version, source_file=submission.file_name, sha256=submission.sha256,
        received_at=submission.received_at, status=status, rejected=outcome.rejected, rows_in=outcome.rows_in,
        rows_published=outcome.rows_published if outcome.rejected is None else 0,
        rows_quarantined=outcome.rows_quarantined, rule_counts=outcome.rule_counts,
        errors_csv=errors_csv, staged_file=staged,
        dataset_rules=[asdict(o) for o in checked.outcomes] if checked else [],
        dataset_rules_success=checked.success if checked else None,
        data_docs=checked.docs_page or checked.docs_index if checked else None,
        rejection_reason=outcome.rejection_reason, extra_columns=outcome.extra_columns,
        read_notes=outcome.read_notes,
        rows_filtered=outcome.rows_filtered, filtered_csv=filtered_csv,
        records_published=outcome.records_published if outcome.rejected is None else None,
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
