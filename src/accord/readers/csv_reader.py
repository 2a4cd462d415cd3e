"""Delimited text, read in batches of bounded size. Records keep the line number where they start; ragged
records are reported, not padded. The delimiter is sniffed among , ; tab | when the mapping does not
declare it.

Two parsers give the same records (a test holds them to it): a vectorised one for files without quote
characters (most system exports: every line is a record, split by polars), and Python's csv module for the
rest (quoted fields, embedded line breaks, NUL characters, lone carriage returns)."""

from __future__ import annotations

import csv
import re
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path

import polars as pl

from accord.intake.limits import Limits
from accord.mapping.spec import SourceSpec
from accord.readers.base import RawExtract, build_extract, checked_header, finish
from accord.readers.text import BLOCK_BYTES, iter_utf8
from accord.reasons import ROW

DELIMITERS = ",;\t|"
EXACT_BATCH_RECORDS = 100_000
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")
_SPARE_SEPARATORS = "\x1f\x1e\x1d\x1c\x01\x02\x03\x04"
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


def _one_record_per_line(piece: bytes, quote: str) -> str | None:
    """A character absent from ``piece`` when each of its lines is one record (no quote character, no NUL,
    no lone carriage return), to read it line by line; None when the exact parser is needed."""
    if quote.encode() in piece or b"\x00" in piece:
        return None
    if b"\r" in piece and piece.count(b"\r") != piece.count(b"\r\n"):
        return None
    return next((c for c in _SPARE_SEPARATORS if c.encode() not in piece), None)


def _parse(text: bytes, names: list[str], delimiter: str) -> pl.DataFrame:
    return pl.read_csv(text, has_header=False, separator=delimiter, quote_char=None,
                       infer_schema=False, new_columns=names, empty_string_is_null=False, raise_if_empty=False)


def _lines(piece: bytes, separator: str, first_line: int) -> pl.DataFrame:
    """The lines of ``piece`` (null for an empty one), numbered from ``first_line``."""
    lines = pl.read_csv(piece, has_header=False, separator=separator, quote_char=None,
                        infer_schema=False, new_columns=["line"], raise_if_empty=False)
    return lines.with_row_index(ROW, offset=first_line).with_columns(pl.col(ROW).cast(pl.Int64))


def _line_count(piece: bytes) -> int:
    return piece.count(b"\n") + (not piece.endswith(b"\n"))


def _split(piece: bytes, separator: str, first_line: int, count: int, names: list[str], delimiter: str,
           malformed: list[tuple[int, str, str]]) -> pl.DataFrame:
    """The records of ``piece``: at once when every line has the header's width (the usual case), else line
    by line, ragged lines reported and empty ones skipped."""
    width = len(names) - 1
    if piece.count(delimiter.encode()) == width * count:
        try:
            frame: pl.DataFrame | None = _parse(piece, names, delimiter)
        except pl.exceptions.PolarsError:
            frame = None  # some line is wider than the header: take the line-by-line road below
        if frame is not None and frame.height == count:
            rows = pl.int_range(first_line, first_line + count, dtype=pl.Int64, eager=True).alias(ROW)
            return frame.with_columns(rows).select(ROW, *names)
    lines = _lines(piece, separator, first_line).filter(pl.col("line").is_not_null()).with_columns(
        pl.col("line").str.count_matches(delimiter, literal=True).alias("_count"))
    ragged = lines.filter(pl.col("_count") != width)
    malformed += [(row, line, f"{n + 1} fields where the header has {len(names)}")
                  for row, line, n in ragged.select(ROW, "line", "_count").iter_rows()]
    good = lines.filter(pl.col("_count") == width)
    if good.is_empty():
        return pl.DataFrame(schema={ROW: pl.Int64, **dict.fromkeys(names, pl.String)})
    frame = _parse(("\n".join(good.get_column("line").to_list()) + "\n").encode(), names, delimiter)
    return frame.with_columns(good.get_column(ROW)).select(ROW, *names)


def _header(piece: bytes, first_line: int, header_row: int) -> tuple[str | None, int, bytes]:
    """The header line of ``piece`` (the first non-empty line from ``header_row``), the number of the line
    after it, and the rest of the piece; None, the next line number and b"" when the piece has none."""
    position, number = 0, first_line
    while position < len(piece):
        end = piece.find(b"\n", position)
        end = len(piece) if end < 0 else end + 1
        line = piece[position:end].rstrip(b"\r\n")
        position, number = end, number + 1
        if line and number - 1 >= header_row:
            return line.decode("utf-8"), number, piece[position:]
    return None, number, b""


class _Lines:
    """The lines of a text stream as the csv module splits them, remembering the last few by number (the
    raw text of an unreadable record)."""

    def __init__(self, pieces: Iterable[bytes], first_line: int) -> None:
        self.pieces = pieces
        self.first_line = first_line
        self.recent: deque[tuple[int, str]] = deque(maxlen=1000)

    def __iter__(self) -> Iterator[str]:
        number = self.first_line - 1
        for piece in self.pieces:
            for match in _LINE.finditer(piece.decode("utf-8")):
                number += 1
                self.recent.append((number, match.group()))
                yield match.group()

    def line(self, number: int) -> str:
        return next((text.rstrip("\r\n") for n, text in self.recent if n == number), "")


def _exact(file: Path, pieces: Iterable[bytes], delimiter: str, source: SourceSpec, limits: Limits,
           encoding: str, header: list[str], first_line: int) -> Iterator[RawExtract]:
    """The csv module from line ``first_line`` on (``header`` is empty when not read yet)."""
    lines = _Lines(pieces, first_line)
    reader = csv.reader(lines, delimiter=delimiter, quotechar=source.quote, strict=True)
    records: list[tuple[int, list[str | None]]] = []
    malformed: list[tuple[int, str, str]] = []
    start = first_line
    try:
        for row in reader:
            line, start = start, first_line + reader.line_num
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
            if len(records) == EXACT_BATCH_RECORDS:
                yield build_extract(file, header, records, malformed, limits, encoding)
                records, malformed = [], []
    except csv.Error as exc:
        malformed.append((start, lines.line(start), f"unreadable from line {start} to the end of the file ({exc})"))
    yield build_extract(file, header, records, malformed, limits, encoding)


def iter_csv(file: Path, source: SourceSpec, limits: Limits, block_bytes: int | None = None) -> Iterator[RawExtract]:
    """The records of ``file`` in batches; memory is bounded by ``block_bytes``, not by the file's size.
    Pieces whose lines are all records go through polars; from the first piece that is not (a quote
    character, say), the csv module reads the rest, so a record is never cut."""
    encoding, pieces = iter_utf8(file, source.encoding, block_bytes or BLOCK_BYTES)
    first = next(pieces, b"")
    delimiter = source.delimiter or sniff_delimiter(first[:65536].decode("utf-8", errors="replace"))
    names: list[str] = []
    line, batches = 1, 0
    rest = _chain(first, pieces)
    for piece in rest:
        separator = _one_record_per_line(piece, source.quote)
        if separator is None:
            yield from _exact(file, _chain(piece, rest), delimiter, source, limits, encoding, names, line)
            return
        if not names:
            header, line, piece = _header(piece, line, source.header_row)
            if header is None:
                continue
            names = checked_header(file, header.split(delimiter), limits)
        if piece:
            malformed: list[tuple[int, str, str]] = []
            count = _line_count(piece)
            frame = _split(piece, separator, line, count, names, delimiter, malformed)
            line += count
            batches += 1
            yield finish(frame, malformed, limits, encoding, nul_checked=True)
    if not batches:
        yield build_extract(file, names, [], [], limits, encoding)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest
