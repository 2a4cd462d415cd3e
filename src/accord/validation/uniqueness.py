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
            repeated = chunk.filter(pl.len().over(field) > 1)
            found.append(repeated.select(ROW, pl.lit(field).alias("column"), pl.lit("unique").alias("rule"),
                                         pl.col(field + SENT).alias("value"), pl.lit("").alias("detail")))
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
