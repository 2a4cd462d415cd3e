"""The integrated table of a contract: every agency's published rows, one record per primary key.

When several records share the key (an agency re-submitted a person, or two agencies share identifiers),
the contract's survivorship rule picks the winner; the winner keeps its own lineage and ``_merged_count``
says how many records it stands for.

Memory stays bounded whatever the size of the agencies' datasets: above ``ROWS_PER_RANGE`` records, the
records are first distributed into ranges of the (first) key column, whose bounds come from a sample of the
keys; each range is then deduplicated on its own and written in key order, so the file is sorted by key as
a whole, one range after another.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa

from accord.contracts.model import Contract
from accord.publish.manifest import build_manifest, write_manifest
from accord.publish.parquet import dataset_schema
from accord.publish.pseudonym import PSEUDONYM_SCHEME, PseudonymKey
from accord.publish.stream import WorkParts
from accord.publish.tables import AGENCIES, INTEGRATED, SOURCE_VERSION, Table, commit_metadata
from accord.reasons import ROW
from accord.settings import DataDirs
from accord.storage.private import private_dir

MERGED = "_merged_count"
ROWS_PER_RANGE = 250_000


@dataclass(frozen=True)
class IntegratedResult:
    uri: str
    version: int
    rows: int
    records_before_dedup: int
    rows_by_agency: dict[str, int]

    @property
    def merged_records(self) -> int:
        return self.records_before_dedup - self.rows


def survivor_order(contract: Contract) -> tuple[list[pl.Expr], list[bool]]:
    """Sort keys putting each key's winning record first."""
    rule = contract.survivorship
    keys: list[pl.Expr] = []
    descending: list[bool] = []
    if rule.rule == "latest" and rule.field:
        keys.append(pl.col(rule.field))
        descending.append(True)
    elif rule.rule == "agency_precedence":
        ranks = {agency: i for i, agency in enumerate(rule.agencies)}
        keys.append(pl.col("_agency").replace_strict(ranks, default=len(ranks), return_dtype=pl.Int64))
        descending.append(False)
    keys += [pl.col("_ingested_at"), pl.col("_source_file"), pl.col(ROW)]
    descending += [True, True, True]
    return keys, descending


def deduplicate(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """One row per primary key (all rows kept when the contract has none), sorted by key. The key and order
    columns alone are sorted once, by key then survivorship, so each key's winner comes first; the whole rows
    are gathered once, winners only."""
    key = contract.primary_key
    if not key:
        return frame.with_columns(pl.lit(1, dtype=pl.Int64).alias(MERGED))
    order, descending = survivor_order(contract)
    names = [f"_order{i}" for i in range(len(order))]
    ranking = frame.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_index"), *key,
                           *(expr.alias(name) for expr, name in zip(order, names, strict=True)))
    ranked = ranking.sort([*key, *names], descending=[False] * len(key) + descending,
                          nulls_last=[False] * len(key) + [True] * len(names))
    winners = ranked.with_columns(pl.len().over(key).cast(pl.Int64).alias(MERGED)).unique(
        subset=key, keep="first", maintain_order=True)
    return frame[winners.get_column("_index")].with_columns(winners.get_column(MERGED))


def _bounds(records: pl.LazyFrame, column: str, ranges: int) -> pl.Series:
    """``ranges - 1`` increasing values of ``column`` that cut the records into ranges of similar size."""
    every = max(1, ROWS_PER_RANGE // 1000)
    sample = records.select(column).drop_nulls().gather_every(every).collect().get_column(column)
    if sample.is_empty():
        return sample
    sample = sample.sort()
    picks = [sample[int(len(sample) * i / ranges)] for i in range(1, ranges)]
    return pl.Series(column, picks, dtype=sample.dtype).unique(maintain_order=True)


def _ranges(records: pl.LazyFrame, contract: Contract, rows: int, work: Path) -> Iterator[pl.DataFrame]:
    """The records, one key range at a time in key order (all at once when they are few)."""
    names = dataset_schema(contract).names
    if rows <= ROWS_PER_RANGE or not contract.primary_key:
        yield records.select(names).collect()
        return
    column = contract.primary_key[0]
    bounds = _bounds(records, column, -(-rows // ROWS_PER_RANGE))
    ranges = [WorkParts(work / f"range-{i:05d}") for i in range(bounds.len() + 1)]
    for frame in records.select(names).collect_batches(chunk_size=ROWS_PER_RANGE):
        index = bounds.search_sorted(frame.get_column(column), side="right")
        placed = frame.with_columns(index.alias("_range"))
        for (number,), piece in placed.partition_by("_range", as_dict=True, include_key=False).items():
            ranges[int(number)].write(piece)
    for bucket in ranges:
        if bucket.parts:
            yield pl.concat(list(bucket.batches()))


def integrate(contract: Contract, dirs: DataDirs, key: PseudonymKey) -> IntegratedResult:
    """Deduplicate the agencies table (as it is now) into the integrated table and refresh the manifest. A
    rebuild from the same agencies version makes no new version."""
    from accord.agency import publication_lock

    schema = pa.schema([*dataset_schema(contract), pa.field(MERGED, pa.int64(), nullable=False)])
    with publication_lock(dirs, contract):
        agencies, integrated = Table(dirs, contract, AGENCIES), Table(dirs, contract, INTEGRATED)
        found = agencies.version()
        source_version = -1 if found is None else found
        if integrated.version() is None or integrated.last_commit().get(SOURCE_VERSION) != str(source_version):
            _rebuild(contract, dirs, key, agencies.scan(source_version) if found is not None else None,
                     source_version, integrated, schema)
        manifest = build_manifest(dirs, contract, key.key_id)
        write_manifest(dirs, contract, manifest)
        entry = manifest["tables"][INTEGRATED]
    counts = _rows_by_agency(integrated)
    return IntegratedResult(uri=integrated.uri, version=entry["version"], rows=entry["rows"],
                            records_before_dedup=entry["records_before_dedup"], rows_by_agency=counts)


def _rebuild(contract: Contract, dirs: DataDirs, key: PseudonymKey, source: pl.LazyFrame | None,
             source_version: int, integrated: Table, schema: pa.Schema) -> None:
    before = source.select(pl.len()).collect().item() if source is not None else 0
    with tempfile.TemporaryDirectory(prefix="accord-integrate-", dir=private_dir(dirs.work)) as work:

        def batches() -> Iterator[pa.RecordBatch]:
            frames = _ranges(source, contract, before, Path(work)) if source is not None else iter(
                [pl.DataFrame(schema=pl.Schema(dataset_schema(contract)))])
            for records in frames:
                merged = deduplicate(records, contract)
                yield from merged.select(schema.names).to_arrow().cast(schema).to_batches()

        reader = pa.RecordBatchReader.from_batches(schema, batches())
        integrated.write(reader, predicate=None, description=f"{contract.label}: one record per primary key",
                         metadata=commit_metadata(source_version=str(source_version), records_before_dedup=str(before),
                                                  survivorship=contract.survivorship.rule,
                                                  pseudonym_scheme=PSEUDONYM_SCHEME, pseudonym_key_id=key.key_id,
                                                  contract_sha256=contract.sha256))


def _rows_by_agency(integrated: Table) -> dict[str, int]:
    if integrated.version() is None:
        return {}
    counts = integrated.scan().group_by("_agency").len().collect()
    return dict(sorted((str(a), int(n)) for a, n in counts.rows()))
