"""Parquet and fixed-width text: the two formats whose columns are declared by the file or the mapping.

Parquet is read by batches with a byte budget decided before anything is decoded. A Parquet file is
compressed and dictionary-encoded, so a 12 KB file can decode to tens of gigabytes (one 100,000-character
value repeated 600,000 times). So:

1. the column chunks' uncompressed sizes (file metadata) must fit ``Limits.decoded_budget``;
2. text columns that are dictionary-encoded are read as dictionaries, which is what they are on disk; each
   record's decoded length is computed from the dictionary's value lengths before any value is expanded. A
   record holding a value over ``max_field_chars`` is malformed (its value is never expanded), and the total
   decoded text, counted as batches go, must stay within the budget;
3. a batch is expanded in slices of at most ``SLICE_BYTES`` of text.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from accord.errors import ExtractRejected
from accord.intake.limits import Limits
from accord.mapping.source_spec import SourceSpec
from accord.readers.base import RawExtract, build_extract, checked_header, finish
from accord.readers.text import BLOCK_BYTES, iter_utf8
from accord.reasons import ROW

PARQUET_BATCH_ROWS = 250_000
SLICE_BYTES = 256 * 1024 * 1024
FIXED_WIDTH_BATCH_LINES = 100_000


def _dictionary_columns(parquet: pq.ParquetFile) -> list[str]:
    """Text columns with a dictionary page in some row group: read as dictionaries."""
    metadata = parquet.metadata
    names = []
    for index in range(metadata.num_columns):
        column = parquet.schema.column(index)
        if column.physical_type != "BYTE_ARRAY" or column.max_repetition_level > 0:
            continue
        if any(metadata.row_group(g).column(index).has_dictionary_page for g in range(metadata.num_row_groups)):
            names.append(column.path)
    return names


def _check_metadata(file: Path, parquet: pq.ParquetFile, budget: int) -> None:
    """Refuse a file whose metadata alone says it decodes to more than ``budget`` bytes: the column chunks'
    uncompressed sizes, and 8 bytes a value for columns that are not text."""
    metadata = parquet.metadata
    chunks = sum(metadata.row_group(g).column(c).total_uncompressed_size
                 for g in range(metadata.num_row_groups) for c in range(metadata.num_columns))
    fixed = metadata.num_rows * 8 * sum(1 for f in parquet.schema_arrow if not _is_text(f.type))
    if max(chunks, fixed) > budget:
        raise ExtractRejected(f"the file decodes to at least {max(chunks, fixed)} bytes, above the limit of {budget} "
                              f"for a file of {file.stat().st_size} bytes: refused as a decompression bomb",
                              reason="decompression-bomb", file=file)


def _is_text(kind: pa.DataType) -> bool:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind)
                or pa.types.is_large_binary(kind))


def _lengths(column: pa.Array) -> pa.Array:
    """Byte length of each value of a text column (0 for nulls), without expanding a dictionary."""
    if pa.types.is_dictionary(column.type):
        per_value = pc.fill_null(pc.binary_length(column.dictionary), 0)
        return pc.fill_null(pc.take(per_value, column.indices), 0).cast(pa.int64())
    return pc.fill_null(pc.binary_length(column), 0).cast(pa.int64())


def _as_text(column: pa.Array) -> pl.Series:
    """Any Parquet column as text: dates ISO, nested values as JSON."""
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if pa.types.is_nested(column.type):
        return pl.Series([None if v is None else json.dumps(v, ensure_ascii=False, default=str)
                          for v in column.to_pylist()], dtype=pl.String)
    return pl.Series(column).cast(pl.String)


def _budgeted(file: Path, batch: pa.RecordBatch, first: int, limits: Limits, spent: list[int], budget: int,
              ) -> Iterator[tuple[pa.RecordBatch, pa.Array, list[tuple[int, str, str]]]]:
    """The batch in slices of bounded decoded size, with its record numbers and the records holding an
    over-long value set aside (never expanded)."""
    numbers = pa.array(range(first, first + batch.num_rows), pa.int64())
    lengths = [_lengths(c) for c in batch.columns if _is_text(c.type)]
    fixed = 8 * (batch.num_columns - len(lengths)) * batch.num_rows
    malformed: list[tuple[int, str, str]] = []
    total = fixed
    if lengths:
        longest = functools.reduce(pc.max_element_wise, lengths)
        too_long = pc.greater(longest, limits.max_field_chars * 4)  # bytes; characters are checked once expanded
        if pc.any(too_long).as_py():
            malformed = [(first + i, "", f"a value is over {limits.max_field_chars * 4} bytes, above the limit of "
                          f"{limits.max_field_chars} characters") for i in pc.indices_nonzero(too_long).to_pylist()]
            keep = pc.invert(too_long)
            batch, numbers, lengths = batch.filter(keep), numbers.filter(keep), [x.filter(keep) for x in lengths]
        total += int(pc.sum(functools.reduce(pc.add, lengths)).as_py() or 0)
    spent[0] += total
    if spent[0] > budget:
        raise ExtractRejected(f"the file's values decode to more than {budget} bytes (a file of "
                              f"{file.stat().st_size} bytes): refused as a decompression bomb",
                              reason="decompression-bomb", file=file)
    step = max(1, -(-batch.num_rows // max(1, -(-total // SLICE_BYTES))))
    for start in range(0, max(batch.num_rows, 1), step):
        yield batch.slice(start, step), numbers.slice(start, step), malformed if start == 0 else []


def iter_parquet(file: Path, source: SourceSpec, limits: Limits) -> Iterator[RawExtract]:
    """Every column as text (dates ISO), in batches; ``_source_row`` is the 1-based record number."""
    try:
        parquet = pq.ParquetFile(file)
        names = checked_header(file, parquet.schema_arrow.names, limits)
        budget = limits.decoded_budget(file.stat().st_size)
        _check_metadata(file, parquet, budget)
        parquet = pq.ParquetFile(file, read_dictionary=_dictionary_columns(parquet))
        first, spent = 1, [0]
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            for part, numbers, malformed in _budgeted(file, batch, first, limits, spent, budget):
                yield _text_batch(part, numbers, names, malformed, limits)
            first += batch.num_rows
        if first == 1:
            empty = parquet.schema_arrow.empty_table().to_batches()
            yield _text_batch(empty[0] if empty else pa.RecordBatch.from_pylist([], parquet.schema_arrow),
                              pa.array([], pa.int64()), names, [], limits)
    except (OSError, ValueError, pa.ArrowException, pl.exceptions.PolarsError) as exc:
        raise ExtractRejected(f"not a readable Parquet file ({exc})", reason="format", file=file) from None


def _text_batch(batch: pa.RecordBatch, numbers: pa.Array, names: list[str], malformed: list[tuple[int, str, str]],
                limits: Limits) -> RawExtract:
    columns = {name: _as_text(batch.column(i)) for i, name in enumerate(names)}
    frame = pl.DataFrame({ROW: pl.Series(numbers, dtype=pl.Int64), **columns},
                         schema={ROW: pl.Int64, **dict.fromkeys(names, pl.String)})
    return finish(frame, malformed, limits)


def read_fixed_width(file: Path, source: SourceSpec, limits: Limits) -> Iterator[RawExtract]:
    """Columns at the positions of the mapping's ``layout``; ``_source_row`` is the line number. Lines are
    split on line feeds only (a stray control character is part of a value, never a line break) and are not
    trimmed here (the mapping's ``trim`` does that); text past the last column makes a line malformed."""
    layout = source.layout or []
    text = iter_utf8(file, source.encoding, BLOCK_BYTES, limits.max_line_bytes)
    end = max(f.start - 1 + f.width for f in layout)
    names = [f.name for f in layout]
    records: list[tuple[int, list[str | None]]] = []
    malformed: list[tuple[int, str, str]] = []
    number = 0
    for piece in text.pieces:
        lines = piece.decode("utf-8").split("\n")
        if piece.endswith(b"\n"):
            lines.pop()
        for raw in lines:
            number += 1
            line = raw.removesuffix("\r")
            if number < source.header_row or not line.strip():
                continue
            if line[end:].strip():
                malformed.append((number, line, f"text after position {end}, the end of the layout"))
            else:
                records.append((number, [line[f.start - 1: f.start - 1 + f.width] or None for f in layout]))
        if len(records) + len(malformed) >= FIXED_WIDTH_BATCH_LINES:
            yield build_extract(file, names, records, malformed + text.take_long_lines(), limits, text.encoding)
            records, malformed = [], []
    yield build_extract(file, names, records, malformed + text.take_long_lines(), limits, text.encoding)
