"""An agency's dataset for one contract: publish its staged submissions in the contract's agencies table (one
commit, only what changed), and the results of all its submissions so far."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from accord.accounting import all_accounted
from accord.contracts.model import Contract
from accord.intake import Intake, store_for
from accord.intake.store import PENDING
from accord.mapping import Mapping
from accord.publish.delta_files import publish_parts
from accord.publish.manifest import build_manifest, write_manifest
from accord.publish.parquet import AGENCY, dataset_schema
from accord.publish.pseudonym import PSEUDONYM_SCHEME, PseudonymKey, load_key
from accord.publish.tables import (
    AGENCIES,
    Table,
    agency_submissions,
    commit_metadata,
    replace_submissions,
    table_agencies,
)
from accord.settings import REPORTS, DataDirs
from accord.submission import run_submission, staged_agencies, staged_parts


def publication_lock(dirs: DataDirs, contract: Contract) -> contextlib.AbstractContextManager[bool]:
    """One publisher at a time per contract version (agencies table, integrated table and manifest)."""
    return store_for(dirs).locks.hold(f"publish-{contract.id}-v{contract.major}")


def _part_batches(dirs: DataDirs, agency: str, keys: list[str]) -> Iterator[pa.RecordBatch]:
    """The rows of staged parts, with their partition column (for a re-write)."""
    for key in keys:
        with dirs.storage.open_read(key) as handle:
            for batch in pq.ParquetFile(handle).iter_batches():
                yield batch.append_column(AGENCY, pa.array([agency] * batch.num_rows, pa.string()))


def commit_parts(table: Table, agency: str, parts: dict[str, str], submissions: list[str],
                 metadata: dict[str, str]) -> None:
    """One commit: the rows of ``submissions`` in the agency's partition replaced by the staged ``parts``
    (submission id -> key), which become data files as they are; re-written only when the partition holds a
    file of several submissions (written by an earlier accord)."""
    if publish_parts(table, agency, parts, submissions, metadata) is None:
        replace_submissions(table, agency, _part_batches(table.dirs, agency, list(parts.values())),
                            dataset_schema(table.contract), submissions, metadata)


def publish_agency(contract: Contract, agency: str, dirs: DataDirs, key: PseudonymKey) -> int | None:
    """Make the agency's partition hold exactly its staged parts (one per processed submission), in one commit
    of only the submissions that changed (none: no new version), the parts themselves becoming the table's data
    files; refresh the manifest. The table version."""
    with publication_lock(dirs, contract):
        table = Table(dirs, contract, AGENCIES)
        staged = staged_parts(dirs, contract, agency)
        present = agency_submissions(table, agency)
        changed = sorted(set(staged) - present)
        gone = sorted(present - set(staged))
        if changed or gone:
            metadata = commit_metadata(agency=agency, added=changed, removed=gone, contract_sha256=contract.sha256,
                                       pseudonym_scheme=PSEUDONYM_SCHEME, pseudonym_key_id=key.key_id)
            commit_parts(table, agency, {s: staged[s] for s in changed}, [*changed, *gone], metadata)
        write_manifest(dirs, contract, build_manifest(dirs, contract, key.key_id))
        return table.version()


def agencies_to_publish(contract: Contract, dirs: DataDirs) -> list[str]:
    """Every agency with a staged part for the contract, or rows in its agencies table."""
    return sorted(staged_agencies(dirs, contract) | table_agencies(Table(dirs, contract, AGENCIES)))


def publish_agencies(contract: Contract, dirs: DataDirs, key: PseudonymKey) -> dict[str, int | None]:
    """``publish_agency`` for each agency of the contract (a new agency needs no new asset): agency -> the table
    version after its commit."""
    return {agency: publish_agency(contract, agency, dirs, key) for agency in agencies_to_publish(contract, dirs)}


def published_now(before: int | None, versions: dict[str, int | None]) -> list[str]:
    """The agencies of ``publish_agencies``' answer that committed (each commit is one new table version, in
    the order the agencies were published; ``before``: the version before them)."""
    changed, last = [], before
    for agency, version in versions.items():
        if version is not None and version != last:
            changed.append(agency)
        last = version if version is not None else last
    return changed


def submission_results(dirs: DataDirs) -> list[dict[str, Any]]:
    """Every submission result record, in the order the submissions were received."""
    records = [json.loads(dirs.storage.read_text(k)) for k in dirs.storage.list(f"{REPORTS}/submissions")
               if k.endswith(".json")]
    return sorted(records, key=lambda r: (r["received_at"], r["source_file"], r["submission_id"]))


@dataclass
class AgencyResult:
    """All submissions of one agency for one contract so far."""

    agency: str
    contract: str
    contract_version: str
    rows_in: int = 0
    rows_published: int = 0
    rows_quarantined: int = 0
    rows_filtered: int = 0
    records_published: int = 0  # source records published (rows_published counts records made by explode too)
    submissions: list[dict[str, Any]] = field(default_factory=list)
    rule_counts: dict[str, int] = field(default_factory=dict)
    dataset_rules_success: bool = True
    all_balanced: bool = True  # every submission balanced (a failed one never is)

    @property
    def balanced(self) -> bool:
        return self.all_balanced and all_accounted(self.rows_in, self.records_published, self.rows_quarantined,
                                              self.rows_filtered)

    @property
    def rejected(self) -> list[str]:
        return [s["source_file"] for s in self.submissions if s["status"] == "rejected"]

    @property
    def failed(self) -> list[str]:
        return [s["source_file"] for s in self.submissions if s["status"] == "failed"]


def agency_results(dirs: DataDirs) -> dict[tuple[str, str, str], AgencyResult]:
    """Submission results summed per (agency, contract, contract version)."""
    results: dict[tuple[str, str, str], AgencyResult] = {}
    for record in submission_results(dirs):
        key = (record["agency"], record["contract"], record["contract_version"])
        result = results.setdefault(key, AgencyResult(*key))
        result.rows_in += record["rows_in"]
        result.rows_published += record["rows_published"]
        result.rows_quarantined += record["rows_quarantined"]
        result.rows_filtered += record.get("rows_filtered", 0)
        records = record.get("records_published")
        result.records_published += record["rows_published"] if records is None else records
        result.submissions.append(record)
        for rule, n in record["rule_counts"].items():
            result.rule_counts[rule] = result.rule_counts.get(rule, 0) + n
        result.dataset_rules_success &= record["dataset_rules_success"] is not False
        result.all_balanced &= bool(record["balanced"])
    return results


def run_agency(mapping: Mapping, dirs: DataDirs, *, key: PseudonymKey | None = None,
               dataset_rules: bool = True) -> AgencyResult:
    """Pick up the landing files of ``mapping``, process every submission not yet processed, publish the
    agency's partition. (The Dagster assets do the same steps one by one.)"""
    key = key or load_key()
    intake = Intake(dirs, [mapping])
    intake.pickup(mapping.agency, only=mapping)
    contract = mapping.contract
    for submission in intake.store.with_status(*PENDING):
        if submission.agency == mapping.agency and submission.contract == f"{contract.id}/v{contract.major}":
            run_submission(submission.submission_id, intake, key, dataset_rules=dataset_rules)
    publish_agency(contract, mapping.agency, dirs, key)
    return agency_results(dirs).get((mapping.agency, contract.id, contract.version),
                                    AgencyResult(mapping.agency, contract.id, contract.version))


__all__ = ["AgencyResult", "agencies_to_publish", "agency_results", "publish_agencies", "publish_agency",
           "published_now", "run_agency",
           "submission_results"]
