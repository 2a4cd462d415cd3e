"""One record per primary key (per entity key, for a contract that resolves identities): the contract's
survivorship rule puts each key's winning record first; the winner keeps its own lineage and ``_merged_count``
says how many records it stands for."""

from __future__ import annotations

import polars as pl

from accord.contracts.model import Contract
from accord.identity.keys import ENTITY_KEY
from accord.reasons import ROW

MERGED = "_merged_count"
AGENCIES_COLUMN = "_agencies"  # of an entity: the agencies that know it (contracts that resolve identities)


def integration_key(contract: Contract) -> list[str]:
    """What the integrated dataset has one record per: the entity key when the contract resolves identities
    (``accord.identity``), else its primary key."""
    return [ENTITY_KEY] if contract.identity is not None else contract.primary_key


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


def winners(frame: pl.DataFrame, contract: Contract) -> tuple[pl.Series | None, pl.Series | None]:
    """Which rows of ``frame`` survive, in key order: their indexes, and how many records each stands for.
    ``None`` for both when every row survives as it is (no primary key, or keys already unique and in order:
    agencies' extracts often come sorted by their file number, and nothing then needs sorting or gathering).
    The key and order columns alone are sorted, by key then survivorship, so each key's winner comes first."""
    key = integration_key(contract)
    if not key or _increasing(frame, key):
        return None, None
    order, descending = survivor_order(contract)
    names = [f"_order{i}" for i in range(len(order))]
    ranking = frame.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("_index"), *key,
                           *(expr.alias(name) for expr, name in zip(order, names, strict=True)))
    ranked = ranking.sort([*key, *names], descending=[False] * len(key) + descending,
                          nulls_last=[False] * len(key) + [True] * len(names))
    kept = ranked.with_columns(pl.len().over(key).cast(pl.Int64).alias(MERGED)).unique(
        subset=key, keep="first", maintain_order=True)
    return kept.get_column("_index"), kept.get_column(MERGED)


def _increasing(frame: pl.DataFrame, key: list[str]) -> bool:
    """A one-column key with no null whose values strictly increase row after row (so each is unique)."""
    if len(key) != 1:
        return False
    column = frame.get_column(key[0])
    following = column.slice(1) > column.slice(0, max(0, column.len() - 1))  # each value against the one before
    return column.null_count() == 0 and bool(following.all())


def deduplicate(frame: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """One row per primary key (all rows kept when the contract has none), sorted by key, with ``MERGED``."""
    index, merged = winners(frame, contract)
    kept = frame if index is None else frame[index]
    return kept.with_columns(pl.lit(1, dtype=pl.Int64).alias(MERGED) if merged is None else merged)
