"""One record per primary key: the contract's survivorship rule puts each key's winning record first; the
winner keeps its own lineage and ``_merged_count`` says how many records it stands for."""

from __future__ import annotations

import polars as pl

from accord.contracts.model import Contract
from accord.reasons import ROW

MERGED = "_merged_count"


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
