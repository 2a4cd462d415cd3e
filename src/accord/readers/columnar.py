"""Parquet and fixed-width text: the two formats whose columns are declared by the file or the mapping."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from accord.errors import ExtractRejected
from accord.intake.limits import Limits
from accord.mapping.spec import SourceSpec
from accord.readers.base import RawExtract, build_extract
from accord.readers.text import decode


def read_parquet(file: Path, source: SourceSpec, limits: Limits) -> RawExtract:
    """Every column as text (dates ISO); ``_source_row`` is the 1-based record number."""
    try:
        schema = pq.read_schema(file)
        if len(schema.names) > limits.max_columns:
            raise ExtractRejected(f"the file has {len(schema.names)} columns, above the limit of "
                                  f"{limits.max_columns}", reason="too-many-columns", file=file)
        frame = pl.DataFrame(pq.read_table(file))
    except (OSError, ValueError) as exc:  # pyarrow raises ArrowInvalid (a ValueError) for corrupt files
        raise ExtractRejected(f"not a readable Parquet file ({exc})", reason="format", file=file) from None
    text = frame.select(pl.all().cast(pl.String))
    records = [(i, list(row)) for i, row in enumerate(text.iter_rows(), start=1)]
    return build_extract(file, list(text.columns), records, [], limits)


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
