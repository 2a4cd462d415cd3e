"""Parquet and fixed-width text: the two formats whose columns are declared by the file or the mapping."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from accord.errors import ExtractRejected
from accord.intake.limits import Limits
from accord.mapping.spec import SourceSpec
from accord.readers.base import RawExtract, build_extract, checked_header, finish
from accord.readers.text import decode
from accord.reasons import ROW

PARQUET_BATCH_ROWS = 250_000


def iter_parquet(file: Path, source: SourceSpec, limits: Limits) -> Iterator[RawExtract]:
    """Every column as text (dates ISO), in batches; ``_source_row`` is the 1-based record number."""
    try:
        parquet = pq.ParquetFile(file)
        names = checked_header(file, parquet.schema_arrow.names, limits)
        first = 1
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            yield _text_batch(pl.DataFrame(batch), names, first, limits)
            first += batch.num_rows
        if first == 1:
            yield _text_batch(pl.DataFrame(parquet.schema_arrow.empty_table()), names, first, limits)
    except (OSError, ValueError) as exc:  # pyarrow raises ArrowInvalid (a ValueError) for corrupt files
        raise ExtractRejected(f"not a readable Parquet file ({exc})", reason="format", file=file) from None


def _text_batch(frame: pl.DataFrame, names: list[str], first: int, limits: Limits) -> RawExtract:
    rows = pl.int_range(first, first + frame.height, dtype=pl.Int64, eager=True).alias(ROW)
    text = frame.select(pl.all().cast(pl.String)).with_columns(rows).select(ROW, *frame.columns)
    text = text.rename(dict(zip(frame.columns, names, strict=True)))
    return finish(text, [], limits)


def read_fixed_width(file: Path, source: SourceSpec, limits: Limits) -> RawExtract:
    """Columns at the positions of the mapping's ``layout``; ``_source_row`` is the line number. Lines are
    not trimmed here (the mapping's ``trim`` does that); text past the last column makes a line malformed."""
    layout = source.layout or []
    text, encoding = decode(file, file.read_bytes(), source.encoding)
    end = max(f.start - 1 + f.width for f in layout)
    records: list[tuple[int, list[str | None]]] = []
    malformed: list[tuple[int, str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if number < source.header_row or not line.strip():
            continue
        if line[end:].strip():
            malformed.append((number, line, f"text after position {end}, the end of the layout"))
            continue
        records.append((number, [line[f.start - 1: f.start - 1 + f.width] or None for f in layout]))
    return build_extract(file, [f.name for f in layout], records, malformed, limits, encoding)
