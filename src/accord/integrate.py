"""The integrated dataset of a contract: every agency's published rows, one record per primary key.

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
import pyarrow.parquet as pq

from accord.contracts.model import Contract
from accord.errors import AccordError
from accord.publish.manifest import INTEGRATED, build_manifest, write_manifest
from accord.publish.parquet import contract_dir, dataset_schema, with_metadata
from accord.publish.pseudonym import PseudonymKey
from accord.publish.snapshots import publication_lock, publish_snapshot
from accord.publish.stream import ParquetStream, WorkParts
from accord.reasons import ROW

MERGED = "_merged_count"
ROWS_PER_RANGE = 250_000


@dataclass(frozen=True)
class IntegratedResult:
    file: Path
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


def _bounds(parts: list[Path], column: str, ranges: int) -> pl.Series:
    """``ranges - 1`` increasing values of ``column`` that cut the records into ranges of similar size."""
    every = max(1, ROWS_PER_RANGE // 1000)
    sample = pl.scan_parquet(parts).select(column).drop_nulls().gather_every(every).collect().get_column(column)
    if sample.is_empty():
        return sample
    sample = sample.sort()
    picks = [sample[int(len(sample) * i / ranges)] for i in range(1, ranges)]
    return pl.Series(column, picks, dtype=sample.dtype).unique(maintain_order=True)


def _ranges(parts: list[Path], contract: Contract, rows: int, work: Path) -> Iterator[pl.DataFrame]:
    """The records of ``parts``, one key range at a time in key order (all at once when they are few)."""
    if rows <= ROWS_PER_RANGE or not contract.primary_key:
        yield pl.concat([pl.read_parquet(p) for p in parts]) if parts else pl.DataFrame(
            schema=pl.Schema(dataset_schema(contract)))
        return
    column = contract.primary_key[0]
    bounds = _bounds(parts, column, -(-rows // ROWS_PER_RANGE))
    ranges = [WorkParts(work / f"range-{i:05d}") for i in range(bounds.len() + 1)]
    for part in parts:
        parquet = pq.ParquetFile(part)
        for group in range(parquet.num_row_groups):
            frame = pl.DataFrame(parquet.read_row_group(group))
            index = bounds.search_sorted(frame.get_column(column), side="right")
            placed = frame.with_columns(index.alias("_range"))
            for (number,), piece in placed.partition_by("_range", as_dict=True, include_key=False).items():
                ranges[int(number)].write(piece)
    for bucket in ranges:
        if bucket.parts:
            yield pl.concat(list(bucket.batches()))


def integrate(contract: Contract, published: Path, key: PseudonymKey) -> IntegratedResult:
    """Union the agencies' current snapshots, deduplicate, publish ``_integrated`` and the manifest."""
    root = contract_dir(published, contract)
    schema = pa.schema([*dataset_schema(contract), pa.field(MERGED, pa.int64(), nullable=False)])
    counts: dict[str, int] = {}
    with publication_lock(root), tempfile.TemporaryDirectory(prefix=".integrate-", dir=root) as work:
        parts = sorted(root.glob("agency=*/*.parquet"))
        before = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
        metadata = {"records_before_dedup": str(before), "survivorship": contract.survivorship.rule,
                    "pseudonym_key_id": key.key_id}
        output = ParquetStream(Path(work) / f"{contract.id}.parquet")
        for records in _ranges(parts, contract, before, Path(work)):
            merged = deduplicate(records, contract)
            output.write(with_metadata(merged.select(schema.names).to_arrow().cast(schema), contract, metadata))
            for agency, n in merged.group_by("_agency").len().rows():
                counts[agency] = counts.get(agency, 0) + n
        written = output.close()
        if written is None:  # _ranges yields at least one (possibly empty) frame: cannot happen
            raise AccordError("the integrated dataset was not written", file=root)
        publish_snapshot(root / INTEGRATED, {f"{contract.id}.parquet": written})
        write_manifest(root, build_manifest(contract, root, key.key_id))
    rows = sum(counts.values())
    return IntegratedResult(file=root / INTEGRATED / f"{contract.id}.parquet", rows=rows,
                            records_before_dedup=before, rows_by_agency=dict(sorted(counts.items())))
