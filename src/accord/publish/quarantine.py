"""Quarantine: the rows that were not published, and why, for the agency to fix.

  quarantine/<agency>/<contract>/v<major>/<source file>.errors.csv   one line per problem
  quarantine/<agency>/<contract>/v<major>/<source file>.rows.parquet the records as received
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import polars as pl

from accord.reasons import ROW, with_messages
from accord.storage.private import secure_file

_FORMULA_START = r"^[=+\-@\t\r]"


def neutralise(column: str) -> pl.Expr:
    """Make a text column inert in a spreadsheet: a leading formula character gets a ``'`` prefix."""
    value = pl.col(column)
    return pl.when(value.str.contains(_FORMULA_START)).then(pl.lit("'") + value).otherwise(value).alias(column)


FRENCH_HEADERS = {"agency": "organisme", "source_file": "fichier", "source_row": "ligne",
                  "source_column": "colonne du fichier", "column": "champ du contrat", "rule": "règle",
                  "value": "valeur", "detail": "détail", "message_en": "message (anglais)", "message_fr": "message"}
MESSAGED_ROWS = 200_000  # error records worded at once when an errors.csv is written


def error_report(errors: pl.DataFrame, agency: str, source_file: str,
                 source_columns: dict[str, str], examples: dict[str, str] | None = None, *,
                 messages: bool = True) -> pl.DataFrame:
    """Error records with agency, file, the agency's own column name and bilingual messages, ordered by
    source row then column. ``source_columns`` maps contract field -> the extract column(s) it is read from;
    ``examples`` contract field -> a valid value, shown instead of a pattern. ``messages=False``: without the
    two message columns, which ``write_errors_csv`` then words slice by slice (a file with millions of problems
    never holds all its messages at once)."""
    ordered = errors.sort([ROW, "column"], nulls_last=True)
    report = ordered.select(
        pl.lit(agency).alias("agency"),
        pl.lit(source_file).alias("source_file"),
        pl.col(ROW).alias("source_row"),
        pl.col("column").replace_strict(source_columns, default=None, return_dtype=pl.String)
        .alias("source_column"),
        "column", "rule", "value", "detail",
    )
    return with_messages(report, examples) if messages else report


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column neutralised: values, but also file and column names, which an agency chooses too."""
    return frame.with_columns(neutralise(c) for c, dtype in frame.schema.items() if dtype == pl.String)


def write_errors_csv(report: pl.DataFrame, file: Path, *, private: bool = True,
                     examples: dict[str, str] | None = None) -> None:
    """The report as CSV, spreadsheet-safe, replacing ``file`` whole (owner-only unless ``private`` is off:
    it holds the values the agency sent). An error report without its messages is worded here, one slice of
    ``MESSAGED_ROWS`` at a time (``examples`` as for ``error_report``)."""
    file.parent.mkdir(parents=True, exist_ok=True)
    temporary = file.with_name(f".tmp-{file.name}")
    if "rule" in report.columns and "message_en" not in report.columns:
        with temporary.open("wb") as out:
            for number, part in enumerate(report.iter_slices(MESSAGED_ROWS) if report.height else [report]):
                spreadsheet_safe(with_messages(part, examples)).write_csv(out, include_header=number == 0)
    else:
        spreadsheet_safe(report).write_csv(temporary)
    if private:
        secure_file(temporary)
    os.replace(temporary, file)


def french_errors_csv(stream: IO[bytes], rows_per_chunk: int = 5_000) -> Iterator[bytes]:
    """An errors.csv (as ``write_errors_csv`` writes it) the way a French spreadsheet opens it: UTF-8 with a BOM,
    ``;`` between values, French headers; the values as they are (already neutralised). Streamed: a few
    thousand rows in memory at a time."""
    reader = csv.reader(io.TextIOWrapper(stream, encoding="utf-8", newline=""))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    yield "\ufeff".encode()
    for number, row in enumerate(reader):
        writer.writerow([FRENCH_HEADERS.get(c, c) for c in row] if number == 0 else row)
        if number % rows_per_chunk == rows_per_chunk - 1:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()
