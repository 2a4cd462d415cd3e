"""The integrated table of a contract: every agency's published rows, one record per primary key
(``survivorship``), in key order, its files laid out by key ranges (``key_ranges``).

A new agencies version re-integrates only what it changed: the keys of the agencies files added or removed
since the version the integrated table was built from fall in some of the integrated files' key ranges; those
ranges alone are rebuilt from the agencies table and their files replaced, in one Delta commit. The other
files stay as they are. The result is the table a full rebuild gives, row for row and in the same order
(``integrate(..., rebuild=True)``, and ``tests/test_integrate.py``); a full rebuild runs instead whenever the
change cannot be told (first build, another contract version or pseudonym key, a table accord did not lay
out, earlier agencies files already vacuumed).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
from deltalake.transaction import AddAction

from accord.contracts.model import Contract
from accord.identity.keys import ENTITY_KEY
from accord.identity.resolve import resolve
from accord.identity.tables import entity_keys
from accord.integrate.foreign_keys import (
    EXAMPLES,
    KEY,
    OrphanReport,
    build_metadata,
    orphans,
    quarantining,
    recorded,
    report,
    target_keys,
    target_version,
    targets_now,
)
from accord.integrate.key_ranges import ROWS_PER_RANGE, FileRanges, in_ranges
from accord.integrate.survivorship import AGENCIES_COLUMN, MERGED, winners
from accord.publish.delta_files import commit_files, write_file
from accord.publish.manifest import build_manifest, write_manifest
from accord.publish.parquet import AGENCY, dataset_schema
from accord.publish.pseudonym import PSEUDONYM_SCHEME, PseudonymKey
from accord.publish.tables import AGENCIES, INTEGRATED, SOURCE_VERSION, Table, commit_metadata
from accord.settings import DataDirs
from accord.storage.private import private_dir

LAYOUT = "accord.layout"
IDENTITIES_VERSION = "accord.identities_version"  # commit metadata: the identities table version used
KEY_RANGES = "key-ranges-1"  # commit metadata: the files hold disjoint key ranges (``FileRanges``)


@dataclass(frozen=True)
class IntegratedResult:
    uri: str
    version: int
    rows: int
    records_before_dedup: int
    rows_by_agency: dict[str, int]
    files_written: int = 0  # by this call: new files, the files they replace, the files left as they were
    files_replaced: int = 0
    files_kept: int = 0
    foreign_keys: tuple[OrphanReport, ...] = ()

    @property
    def merged_records(self) -> int:
        return self.records_before_dedup - self.rows


@dataclass(frozen=True)
class _Plan:
    """What to (re)build: the agencies records of some key ranges, the files they replace."""

    records: pl.LazyFrame
    batches: Callable[[], Iterator[pl.DataFrame]]  # the same records in batches, in bounded memory
    rows: int  # how many records (an estimate for a partial rebuild: only for cutting ranges)
    total: int  # agencies records at the source version, before deduplication
    replaced: list[dict[str, Any]]
    kept: int
    cuts: pl.Series  # first keys of the 2nd, 3rd... runs of ranges: no new file spans two runs
    stored_bytes: int = 0  # Parquet bytes the records are read from (an estimate for a partial rebuild)


def integrated_schema(contract: Contract) -> pa.Schema:
    entity = [pa.field(ENTITY_KEY, pa.string(), nullable=False),
              pa.field(AGENCIES_COLUMN, pa.list_(pa.string()), nullable=False)] if contract.identity else []
    return pa.schema([*dataset_schema(contract), *entity, pa.field(MERGED, pa.int64(), nullable=False)])


def integrate(contract: Contract, dirs: DataDirs, key: PseudonymKey, *, rebuild: bool = False) -> IntegratedResult:
    """Bring the integrated table up to the agencies table as it is now and refresh the manifest: only the key
    ranges the agencies changed are re-written (everything with ``rebuild``). Nothing changed: no new version."""
    from accord.agency import publication_lock

    resolved = resolve(contract, dirs, key) if contract.identity else None
    with publication_lock(dirs, contract):
        agencies, integrated = Table(dirs, contract, AGENCIES), Table(dirs, contract, INTEGRATED)
        found = agencies.version()
        source_version = -1 if found is None else found
        last = integrated.last_commit()
        targets = targets_now(dirs, contract)  # what quarantine foreign keys point at; a change rebuilds all
        identities = str(resolved.version) if resolved else ""  # new identities: a full rebuild
        written = replaced = kept = 0
        if (rebuild or not last or last.get(SOURCE_VERSION) != str(source_version) or recorded(last)[0] != targets
                or last.get(IDENTITIES_VERSION, "") != identities):
            partial = not rebuild and not targets and resolved is None
            plan = _partial(contract, key, agencies, integrated, last, source_version) if partial else None
            plan = plan or _full(contract, dirs, agencies, integrated, source_version)
            written = _write(contract, dirs, key, plan, source_version, integrated, targets, identities)
            replaced, kept = len(plan.replaced), plan.kept
        reports = _orphan_reports(contract, dirs, integrated)
        manifest = build_manifest(dirs, contract, key.key_id)
        if manifest["tables"][INTEGRATED] is not None and contract.foreign_keys:
            manifest["tables"][INTEGRATED]["foreign_keys"] = [r.to_json() for r in reports]
        write_manifest(dirs, contract, manifest)
        entry = manifest["tables"][INTEGRATED]
    return IntegratedResult(uri=integrated.uri, version=entry["version"], rows=entry["rows"],
                            records_before_dedup=entry["records_before_dedup"],
                            rows_by_agency=_rows_by_agency(integrated), files_written=written, files_replaced=replaced,
                            files_kept=kept, foreign_keys=tuple(reports))


def _orphan_reports(contract: Contract, dirs: DataDirs, integrated: Table) -> list[OrphanReport]:
    """Each foreign key's orphans: counted now against the other dataset (``warn``), or as the last build
    recorded them (``quarantine``: they are not in the table)."""
    built = recorded(integrated.last_commit())[1]
    out = []
    for fk in contract.foreign_keys:
        if fk.on_orphan == "quarantine" and fk.column in built:
            out.append(OrphanReport(**built[fk.column]))
        elif fk.on_orphan == "warn" and integrated.version() is not None:
            version = target_version(dirs, fk)
            out.append(report(orphans(integrated.scan(), fk, target_keys(dirs, fk, version)), fk, version))
    return out


def _full(contract: Contract, dirs: DataDirs, agencies: Table, integrated: Table, source_version: int) -> _Plan:
    if source_version < 0:
        records = pl.LazyFrame(schema=pl.Schema(dataset_schema(contract)))
    else:
        records = agencies.scan(source_version)
    rows = records.select(pl.len()).collect().item()
    stored = sum(int(f["size_bytes"]) for f in agencies.files()) if source_version >= 0 else 0

    def batches() -> Iterator[pl.DataFrame]:
        return agencies.batches(source_version, size=ROWS_PER_RANGE)

    if contract.identity is not None:  # each record with its entity key
        on = [AGENCY, *contract.primary_key]
        keys = entity_keys(dirs, contract)
        found = keys.collect() if keys is not None else pl.DataFrame(schema={**{c: pl.String for c in on},
                                                                               ENTITY_KEY: pl.String})
        records = records.join(found.lazy(), on=on, how="left")
        plain = batches

        def batches() -> Iterator[pl.DataFrame]:
            return (frame.join(found, on=on, how="left") for frame in plain())

    return _Plan(records, batches, rows, rows, integrated.files(), 0, pl.Series([], dtype=pl.String), stored)


def _partial(contract: Contract, key: PseudonymKey, agencies: Table, integrated: Table, last: dict[str, Any],
             source_version: int) -> _Plan | None:
    """The key ranges the agencies changed since the integrated table was built, or None for a full rebuild."""
    built_for = (last.get("accord.contract_sha256"), last.get("accord.pseudonym_key_id"), last.get(LAYOUT))
    if not contract.primary_key or source_version < 0 or built_for != (contract.sha256, key.key_id, KEY_RANGES):
        return None
    built_from = int(last.get(SOURCE_VERSION, -1))
    layout = FileRanges.of(integrated.files(), contract.primary_key[0])
    if layout is None or not 0 <= built_from < source_version:
        return None
    changed = _changed_keys(agencies, built_from, source_version, layout.column)
    if changed is None:
        return None
    runs = layout.touched(changed)
    replaced = [layout.files[i] for run in runs for i in run]
    total = agencies.scan(source_version).select(pl.len()).collect().item()
    share = total / max(1, sum(f["num_records"] for f in layout.files))  # records per integrated row
    span = pl.any_horizontal([layout.span(run) for run in runs]) if runs else pl.lit(False)
    return _Plan(agencies.scan(source_version).filter(span),
                 lambda: agencies.batches(source_version, size=ROWS_PER_RANGE, where=span),
                 int(sum(f["num_records"] for f in replaced) * share) + changed.len(), total, replaced,
                 len(layout.files) - len(replaced), pl.Series([layout.lows[run[0]] for run in runs[1:]],
                                                              dtype=layout.lows.dtype),
                 int(sum(int(f["size_bytes"]) for f in replaced) * share))


def _changed_keys(agencies: Table, before: int, now: int, column: str) -> pl.Series | None:
    """The first-key values of the agencies files added or removed between two versions (None: cannot tell,
    e.g. the earlier version's files were vacuumed)."""
    try:
        old, new = agencies.open(before), agencies.open(now)
        if old is None or new is None:
            return None
        files = sorted(set(old.file_uris()) ^ set(new.file_uris()))
        if not files:
            return pl.Series(column, [], dtype=pl.String)
        keys = pl.scan_parquet(files, hive_partitioning=False, storage_options=agencies.options or None)
        return keys.select(column).unique().collect().get_column(column)
    except (OSError, pl.exceptions.PolarsError):
        return None


def _write(contract: Contract, dirs: DataDirs, key: PseudonymKey, plan: _Plan, source_version: int,
           integrated: Table, targets: dict[str, int | None], identities: str) -> int:
    """Deduplicate the plan's records range by range, each range's rows as files of at most ROWS_PER_RANGE
    records that never span two runs of key ranges; one commit replacing the plan's files. The files written."""
    schema = integrated_schema(contract)
    with (tempfile.TemporaryDirectory(prefix="accord-integrate-", dir=private_dir(dirs.work)) as work,
          ThreadPoolExecutor(max_workers=1, thread_name_prefix="accord-writer") as writer):
        written: list[Future[AddAction]] = []
        keeper = _OrphanFilter(contract, dirs, targets)
        for piece in map(keeper, _pieces(contract, plan, Path(work))):
            if len(written) > 1:
                written[-2].result()  # at most one file waits to be written: memory stays bounded
            written.append(writer.submit(write_file, integrated, piece, schema, Path(work)))
        added = [future.result() for future in written]
    commit_files(integrated, schema, added, plan.replaced,
                 description=f"{contract.label}: one record per primary key",
                 metadata=commit_metadata(source_version=str(source_version), records_before_dedup=str(plan.total),
                                          survivorship=contract.survivorship.rule, layout=KEY_RANGES,
                                          files_replaced=str(len(plan.replaced)), files_kept=str(plan.kept),
                                          pseudonym_scheme=PSEUDONYM_SCHEME, pseudonym_key_id=key.key_id,
                                          contract_sha256=contract.sha256, identities_version=identities)
                 | keeper.metadata())
    return len(added)


class _OrphanFilter:
    """Keeps the orphans of ``quarantine`` foreign keys out of a build, piece by piece, and reports them."""

    def __init__(self, contract: Contract, dirs: DataDirs, targets: dict[str, int | None]) -> None:
        self.targets = targets
        self.keys = [(fk, target_keys(dirs, fk, targets[fk.references])) for fk in quarantining(contract)]
        self.counts: dict[str, dict[str, int]] = {fk.column: {} for fk, _ in self.keys}
        self.examples: dict[str, dict[str, list[dict[str, Any]]]] = {fk.column: {} for fk, _ in self.keys}

    def __call__(self, piece: pl.DataFrame) -> pl.DataFrame:
        for fk, keys in self.keys:
            value = pl.col(fk.column)
            known = value.is_null() | value.cast(pl.String).is_in(keys.get_column(KEY).implode())
            lost = piece.filter(~known)
            if lost.height:
                part = report(lost.lazy(), fk, None)
                for agency, rows in part.by_agency.items():
                    self.counts[fk.column][agency] = self.counts[fk.column].get(agency, 0) + rows
                    found = [*self.examples[fk.column].get(agency, []), *part.examples[agency]]
                    ordered = sorted(found, key=lambda e: (e["source_file"], e["source_row"]))
                    self.examples[fk.column][agency] = ordered[:EXAMPLES]
                piece = piece.filter(known)
        return piece

    def reports(self) -> list[OrphanReport]:
        return [OrphanReport(fk.column, fk.references, fk.on_orphan, self.targets[fk.references],
                             sum(self.counts[fk.column].values()), dict(sorted(self.counts[fk.column].items())),
                             dict(sorted(self.examples[fk.column].items()))) for fk, _ in self.keys]

    def metadata(self) -> dict[str, str]:
        return build_metadata(self.targets, self.reports()) if self.keys else {}


def _pieces(contract: Contract, plan: _Plan, work: Path) -> Iterator[pl.DataFrame]:
    """The plan's records deduplicated, in key order, cut into the rows of one file each: at most
    ROWS_PER_RANGE, never across two runs of key ranges. Each file's rows are gathered when it is cut, so
    memory holds the records and one file more, not a second copy of the records."""
    for records in in_ranges(plan.records, plan.batches, contract, plan.rows, work, plan.stored_bytes):
        index, merged = winners(records, contract)
        height = records.height if index is None else index.len()
        if not height:
            continue
        if contract.primary_key and plan.cuts.len():
            first = records.get_column(contract.primary_key[0])
            run = plan.cuts.search_sorted(first if index is None else first.gather(index), side="right")
            ends = run.rle().struct.field("len").cum_sum().to_list()  # runs follow each other in key order
        else:
            ends = [height]
        for start, end in zip([0, *ends[:-1]], ends, strict=True):
            size = -(-(end - start) // -(-(end - start) // ROWS_PER_RANGE))  # files of even size
            for low in range(start, end, size):
                length = min(size, end - low)
                rows = records.slice(low, length) if index is None else _gathered(records, index.slice(low, length))
                count = pl.lit(1, dtype=pl.Int64) if merged is None else merged.slice(low, length)
                yield _with_agencies(rows, records, contract).with_columns(count.alias(MERGED))


def _with_agencies(rows: pl.DataFrame, records: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """For a contract that resolves identities, each entity's agencies (sorted, distinct), from ``records``."""
    if contract.identity is None:
        return rows
    known = records.filter(pl.col(ENTITY_KEY).is_in(rows.get_column(ENTITY_KEY).implode())) \
        .group_by(ENTITY_KEY).agg(pl.col(AGENCY).unique().sort().alias(AGENCIES_COLUMN))
    return rows.join(known, on=ENTITY_KEY, how="left", maintain_order="left")


def _gathered(frame: pl.DataFrame, index: pl.Series) -> pl.DataFrame:
    """The rows of ``frame`` at ``index``, in that order. They are taken by increasing index, then put back in
    order within the file: a gather that walks the frame's chunks (one per row group read) in order took 1.5 s
    for the eight files of 2 M unsorted records, against 2.6 s in key order; one chunk would cost a copy of it all."""
    ascending = index.arg_sort()
    return frame[index.gather(ascending)][ascending.arg_sort()]


def _rows_by_agency(integrated: Table) -> dict[str, int]:
    if integrated.version() is None:
        return {}
    counts = integrated.scan().group_by("_agency").len().collect()
    return dict(sorted((str(a), int(n)) for a, n in counts.rows()))
