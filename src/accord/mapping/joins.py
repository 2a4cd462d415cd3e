"""Joins between the files of a delivery: each record of the target's file gets the columns of the matching
row of another file. Keys are compared as trimmed text. A record that no row matches keeps empty joined
columns (``left``) or is quarantined (``inner``, reason ``join-unmatched``); one that several rows match is
quarantined either way (``join-ambiguous``): the join never chooses, nor multiplies records."""

from __future__ import annotations

import polars as pl

from accord.mapping.spec import JoinSpec
from accord.reasons import ERROR_COLUMNS, ROW

_KEY = "__join_key_"
_COUNT = "__join_count"


def _keys(columns: list[str]) -> list[pl.Expr]:
    return [pl.col(c).str.strip_chars().alias(f"{_KEY}{i}") for i, c in enumerate(columns)]


def prepared(join: JoinSpec, table: pl.DataFrame) -> pl.DataFrame:
    """The other file as the join reads it: one row per key, with the number of rows holding that key, its
    columns renamed with the join's prefix (its key columns left out)."""
    right = list(join.on.values())
    others = [c for c in table.columns if c not in right and c != ROW]
    keyed = table.select(*_keys(right), *(pl.col(c).alias(join.column_prefix + c) for c in others))
    key_names = [f"{_KEY}{i}" for i in range(len(right))]
    return keyed.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in key_names)).group_by(
        key_names, maintain_order=True).agg(pl.all().first(), pl.len().alias(_COUNT))


def join_batch(frame: pl.DataFrame, join: JoinSpec, table: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``frame`` with the joined columns, and the error records of the records the join quarantines.
    ``table``: the other file, ``prepared``."""
    left = list(join.on)
    key_names = [f"{_KEY}{i}" for i in range(len(left))]
    joined = frame.with_columns(_keys(left)).join(table, on=key_names, how="left", maintain_order="left",
                                                  nulls_equal=False)
    value = pl.concat_str([pl.col(c) for c in left], separator=" / ", ignore_nulls=True)
    detail = f"{join.file} ({', '.join(f'{k} = {v}' for k, v in join.on.items())})"
    ambiguous = joined.filter(pl.col(_COUNT) > 1).select(
        ROW, pl.lit(None, dtype=pl.String).alias("column"), pl.lit("join-ambiguous").alias("rule"),
        value.alias("value"), pl.lit(detail).alias("detail"))
    errors = [ambiguous]
    if join.how == "inner":
        errors.append(joined.filter(pl.col(_COUNT).is_null()).select(
            ROW, pl.lit(None, dtype=pl.String).alias("column"), pl.lit("join-unmatched").alias("rule"),
            value.alias("value"), pl.lit(detail).alias("detail")))
    found = pl.concat(errors).cast(ERROR_COLUMNS) if errors else pl.DataFrame(schema=ERROR_COLUMNS)
    return joined.drop(*key_names, _COUNT), found
