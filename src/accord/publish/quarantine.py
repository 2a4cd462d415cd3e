"""Quarantine: the rows that were not published, and why, for the agency to fix.

  quarantine/<agency>/<contract>/v<major>/<source file>.errors.csv   one line per problem
  quarantine/<agency>/<contract>/v<major>/<source file>.rows.parquet the records as received
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from accord.reasons import ROW, with_messages
from accord.storage.private import secure_file

_FORMULA_START = r"^[=+\-@\t\r]"


def neutralise(column: str) -> pl.Expr:
    """Make a text column inert in a spreadsheet: a leading formula character gets a ``'`` prefix."""
    value = pl.col(column)
    return pl.when(value.str.contains(_FORMULA_START)).then(pl.lit("'") + value).otherwise(value).alias(column)


def error_report(errors: pl.DataFrame, agency: str, source_file: str,
                 source_columns: dict[str, str], examples: dict[str, str] | None = None) -> pl.DataFrame:
    """Error records with agency, file, the agency's own column name and bilingual messages, ordered by
    source row then column. ``source_columns`` maps contract field -> the extract column(s) it is read from;
    ``examples`` contract field -> a valid value, shown instead of a pattern."""
    ordered = errors.sort([ROW, "column"], nulls_last=True)
    return with_messages(ordered, examples).select(
        pl.lit(agency).alias("agency"),
        pl.lit(source_file).alias("source_file"),
        pl.col(ROW).alias("source_row"),
        pl.col("column").replace_strict(source_columns, default=None, return_dtype=pl.String)
        .alias("source_column"),
        "column", "rule", "value", "detail", "message_en", "message_fr",
    )


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column neutralised: values, but also file and column names, which an agency chooses too."""
    return frame.with_columns(neutralise(c) for c, dtype in frame.schema.items() if dtype == pl.String)


def write_errors_csv(report: pl.DataFrame, file: Path, *, private: bool = True) -> None:
    """The report as CSV, spreadsheet-safe, replacing ``file`` whole (owner-only unless ``private`` is off:
    it holds the values the agency sent)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    temporary = file.with_name(f".tmp-{file.name}")
    spreadsheet_safe(report).write_csv(temporary)
    if private:
        secure_file(temporary)
    os.replace(temporary, file)
