"""The integrated dataset of a contract: every agency's published rows, one record per primary key.

When several records share the key (an agency re-submitted a person, or two agencies share identifiers),
the contract's survivorship rule picks the winner; the winner keeps its own lineage and ``_merged_count``
says how many records it stands for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa

from accord.contracts.model import Contract
from accord.publish.manifest import INTEGRATED, build_manifest, write_manifest
from accord.publish.parquet import contract_dir, dataset_schema, with_metadata
from accord.publish.pseudonym import PseudonymKey
from accord.publish.snapshots import publication_lock, publish_snapshot
from accord.reasons import ROW

MERGED = "_merged_count"


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
    """One row per primary key (all rows kept when the contract has none), sorted by key."""
    key = contract.primary_key
    if not key:
        return frame.with_columns(pl.lit(1, dtype=pl.Int64).alias(MERGED))
    order, descending = survivor_order(contract)
    ranked = frame.sort(order, descending=descending, nulls_last=True)
    counted = ranked.with_columns(pl.len().over(key).cast(pl.Int64).alias(MERGED))
    return counted.unique(subset=key, keep="first", maintain_order=True).sort(key)


def integrate(contract: Contract, published: Path, key: PseudonymKey) -> IntegratedResult:
    """Union the agencies' current snapshots, deduplicate, publish ``_integrated`` and the manifest."""
    root = contract_dir(published, contract)
    schema = pa.schema([*dataset_schema(contract), pa.field(MERGED, pa.int64(), nullable=False)])
    with publication_lock(root):
        parts = sorted(root.glob("agency=*/*.parquet"))
        frames = [pl.read_parquet(p) for p in parts]
        union = pl.concat(frames) if frames else pl.DataFrame(schema=pl.Schema(dataset_schema(contract)))
        merged = deduplicate(union, contract)
        table = with_metadata(merged.select(schema.names).to_arrow().cast(schema), contract, {
            "records_before_dedup": str(union.height), "survivorship": contract.survivorship.rule,
            "pseudonym_key_id": key.key_id})
        publish_snapshot(root / INTEGRATED, {f"{contract.id}.parquet": table})
        write_manifest(root, build_manifest(contract, root, key.key_id))
    counts = dict(sorted(merged.group_by("_agency").len().rows()))
    return IntegratedResult(file=root / INTEGRATED / f"{contract.id}.parquet", rows=merged.height,
                            records_before_dedup=union.height, rows_by_agency=counts)
