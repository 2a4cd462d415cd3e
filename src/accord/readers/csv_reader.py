"""Delimited text. Records keep the line number where they start; ragged records are reported, not padded.
The delimiter is sniffed among , ; tab | when the mapping does not declare it."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import polars as pl

from accord.intake.limits import Limits
from accord.mapping.spec import SourceSpec
from accord.readers.base import RawExtract, build_extract, checked_header, finish
from accord.readers.text import decode
from accord.reasons import ROW

DELIMITERS = ",;\t|"
csv.field_size_limit(sys.maxsize)  # long values are reported per record by build_extract, not fatal here


def sniff_delimiter(text: str) -> str:
    sample = "\n".join(text[:65536].splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        counts = {d: first.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _split_lines(file: Path, text: str, delimiter: str, source: SourceSpec, limits: Limits,
                 encoding: str) -> RawExtract | None:
    """Fast path for files without quote characters (most system exports): every line is a record, split by
    polars. Returns None when the exact parser is needed (quotes, NUL, lone carriage returns)."""
    if source.quote in text or "\x00" in text or text.count("\r") != text.count("\r\n"):
        return None
    lines = pl.DataFrame({"line": text.split("\n")}).with_row_index(ROW, offset=1).with_columns(
        pl.col(ROW).cast(pl.Int64), pl.col("line").str.strip_suffix("\r"))
    lines = lines.filter((pl.col("line") != "") & (pl.col(ROW) >= source.header_row))
    if lines.is_empty():
        return build_extract(file, [], [], [], limits, encoding)
    names = checked_header(file, lines.item(0, "line").split(delimiter), limits)
    parts = lines.slice(1).with_columns(pl.col("line").str.split(delimiter, literal=True).alias("_parts"))
    parts = parts.with_columns(pl.col("_parts").list.len().alias("_count"))
    ragged = parts.filter(pl.col("_count") != len(names))
    malformed = [(row, line, f"{count} fields where the header has {len(names)}")
                 for row, line, count in ragged.select(ROW, "line", "_count").iter_rows()]
    frame = parts.filter(pl.col("_count") == len(names)).select(
        ROW, *(pl.col("_parts").list.get(i).alias(name) for i, name in enumerate(names)))
    return finish(frame, malformed, limits, encoding)


def read_csv(file: Path, source: SourceSpec, limits: Limits) -> RawExtract:
    text, encoding = decode(file, file.read_bytes(), source.encoding)
    delimiter = source.delimiter or sniff_delimiter(text)
    fast = _split_lines(file, text, delimiter, source, limits, encoding)
    if fast is not None:
        return fast
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=source.quote, strict=True)
    header: list[str] = []
    records: list[tuple[int, list[str | None]]] = []
    malformed: list[tuple[int, str, str]] = []
    lines = text.splitlines()
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not row or line < source.header_row:
                continue
            if not header:
                header = row
                if len(header) > limits.max_columns:
                    break
                continue
            if len(row) != len(header):
                malformed.append((line, delimiter.join(row), f"{len(row)} fields where the header has {len(header)}"))
                continue
            records.append((line, list(row)))
    except csv.Error as exc:
        raw = lines[start - 1] if start - 1 < len(lines) else ""
        malformed.append((start, raw, f"unreadable from line {start} to the end of the file ({exc})"))
    return build_extract(file, header, records, malformed, limits, encoding)
