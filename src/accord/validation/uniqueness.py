"""Uniqueness of a contract's ``unique`` fields across a whole extract, with memory bounded by partitions.

It cannot be a row rule checked batch by batch: two records with the same value may sit in different
batches. The engine writes each batch's key values to a Parquet key file; duplicates are found there, one
hash partition at a time, so only one partition's distinct values are ever held in memory. Missing values do
not collide (as in SQL). Every record holding a duplicated value is reported: the agency must say which one
is right.
"""

from __future__ import annotations

import polars as pl

from accord.contracts.model import Contract
from accord.reasons import ERROR_COLUMNS, ROW

SENT = "__sent"  # suffix of the key-file column holding the text the agency sent
ROWS_PER_PARTITION = 2_000_000


def unique_fields(contract: Contract) -> list[str]:
    return [f.name for f in contract.fields if f.unique]


def key_columns(values: pl.DataFrame, sent: pl.DataFrame, fields: list[str]) -> pl.DataFrame:
    """The key-file rows of one batch: source row, and per unique field its value and the text sent."""
    sent_text = {c: sent.get_column(c) for c in sent.columns if c in fields}
    return values.select(ROW, *fields).with_columns(
        (sent_text[f] if f in sent_text else pl.col(f).cast(pl.String)).alias(f + SENT) for f in fields)


def partitions(rows: int) -> int:
    return max(1, -(-rows // ROWS_PER_PARTITION))


SHOWN_ROWS = 5


def _with_other_rows(repeated: pl.LazyFrame, field: str) -> pl.LazyFrame:
    """Add ``detail``: the other source rows holding the same value, ``4, 9`` (the first five, then ``and 3
    more``). Per value only its first rows are kept, so a value repeated a million times costs six numbers."""
    firsts = repeated.group_by(field).agg(pl.col(ROW).sort().head(SHOWN_ROWS + 1).alias("_firsts"),
                                          pl.len().alias("_count"))
    joined = repeated.join(firsts, on=field, how="left")
    others = pl.col("_firsts").list.set_difference(pl.concat_list(pl.col(ROW))).list.sort().list.head(SHOWN_ROWS)
    shown = others.cast(pl.List(pl.String)).list.join(", ")
    more = pl.col("_count") - 1 - others.list.len()
    detail = pl.when(more > 0).then(pl.concat_str(shown, pl.lit(" and "), more.cast(pl.String), pl.lit(" more")))
    return joined.with_columns(detail.otherwise(shown).alias("detail"))


def duplicate_errors(keys: pl.LazyFrame, fields: list[str], rows: int) -> pl.DataFrame:
    """One ``unique`` error record per record whose value of a unique field occurs more than once."""
    parts = partitions(rows)
    found = []
    for field in fields:
        value = pl.col(field)
        for part in range(parts):
            chunk = keys.select(ROW, field, field + SENT).filter(value.is_not_null())
            if parts > 1:
                chunk = chunk.filter(value.hash(seed=0) % parts == part)
            repeated = _with_other_rows(chunk.filter(pl.len().over(field) > 1), field)
            found.append(repeated.select(ROW, pl.lit(field).alias("column"), pl.lit("unique").alias("rule"),
                                         pl.col(field + SENT).alias("value"), "detail"))
    if not found:
        return pl.DataFrame(schema=ERROR_COLUMNS)
    return pl.concat([f.collect(engine="streaming") for f in found]).cast(ERROR_COLUMNS).sort(ROW, "column")


def duplicated_counts(keys: pl.LazyFrame, fields: list[str], rows: int) -> dict[str, int]:
    """Per unique field, the records whose value another record holds."""
    found = duplicate_errors(keys, fields, rows)
    return {f: found.filter(pl.col("column") == f).height for f in fields}


def frame_duplicate_errors(frame: pl.DataFrame, sent: pl.DataFrame, contract: Contract) -> pl.DataFrame:
    """``duplicate_errors`` of a frame held in memory."""
    fields = unique_fields(contract)
    return duplicate_errors(key_columns(frame, sent, fields).lazy(), fields, frame.height)
