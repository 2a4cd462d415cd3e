"""Delimited text, read in batches of bounded size. Records keep the line number where they start; ragged
records are reported, not padded. The delimiter is sniffed among , ; tab | when the mapping does not
declare it.

Two parsers give the same records (a test holds them to it): a vectorised one for files without quote
characters (most system exports: every line is a record, split by polars), and Python's csv module for the
rest (quoted fields, embedded line breaks, NUL characters, lone carriage returns).

Records are what RFC 4180 says, with line feeds (``\n`` or ``\r\n``) ending them, and nothing is lost when
a file breaks those rules: a quoted value that is never closed, or that runs past ``max_field_chars``, is not
allowed to swallow the rest of the file. Reading falls back to physical lines from where it opened, and each
line it merged is quarantined on its own with its raw text; reading goes on after it. A carriage return in a
value that is not quoted makes its line a malformed record, and so does a line longer than ``max_line_bytes``
(``accord.readers.text``)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import polars as pl

from accord.errors import ExtractRejected
from accord.intake.limits import Limits
from accord.mapping.source_spec import SourceSpec
from accord.readers.base import RawExtract, build_extract, checked_header, finish
from accord.readers.text import BLOCK_BYTES, TextStream, count_byte, iter_utf8
from accord.reasons import ROW

DELIMITERS = ",;\t|"
EXACT_BATCH_RECORDS = 100_000
_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_LONE_CR = re.compile(rb"\r(?!\n)")
_SPARE_SEPARATORS = "\x1f\x1e\x1d\x1c\x01\x02\x03\x04"


def sniff_delimiter(text: str) -> str:
    """The delimiter among , ; tab | that splits the first lines most consistently (the same number of times
    on the most lines, the header included). Linear in the sample: the standard library's sniffer takes tens of
    seconds on a hostile 64 KB first line."""
    lines = [line for line in text[:65536].split("\n")[:50] if line.strip()]
    if not lines:
        return ","
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        counts = [line.count(delimiter) for line in lines]
        if counts[0] == 0:
            continue
        mode = max(set(counts), key=counts.count)
        score = (counts.count(mode) / len(counts), mode)
        if mode and score > best_score:
            best, best_score = delimiter, score
    return best


def _one_record_per_line(piece: bytes, quote: str) -> str | None:
    """A character absent from ``piece`` when each of its lines is one record (no quote character, no NUL,
    no lone carriage return), to read it line by line; None when the exact parser is needed."""
    if quote.encode() in piece or b"\x00" in piece:
        return None
    if b"\r" in piece and _LONE_CR.search(piece):
        return None
    return next((c for c in _SPARE_SEPARATORS if c.encode() not in piece), None)


_BOM = "\ufeff".encode()


def _guarded(text: bytes, guard: bytes) -> tuple[bytes, int]:
    """polars drops a byte-order mark at the start of what it reads: a piece that starts with a record whose
    first value begins with U+FEFF gets a guard line before it (dropped after), so the value is kept."""
    return (guard + text, 1) if text.startswith(_BOM) else (text, 0)


def _parse(text: bytes, names: list[str], delimiter: str) -> pl.DataFrame:
    text, skip = _guarded(text, delimiter.encode() * (len(names) - 1) + b"\n")
    return pl.read_csv(text, has_header=False, separator=delimiter, quote_char=None,
                       infer_schema=False, new_columns=names, empty_string_is_null=False, raise_if_empty=False
                       ).slice(skip)


def _lines(piece: bytes, separator: str, first_line: int) -> pl.DataFrame:
    """The lines of ``piece`` (null for an empty one), numbered from ``first_line``."""
    piece, skip = _guarded(piece, b"-\n")
    lines = pl.read_csv(piece, has_header=False, separator=separator, quote_char=None,
                        infer_schema=False, new_columns=["line"], raise_if_empty=False).slice(skip)
    return lines.with_row_index(ROW, offset=first_line).with_columns(pl.col(ROW).cast(pl.Int64))


def _line_count(piece: bytes) -> int:
    return count_byte(piece, b"\n") + (not piece.endswith(b"\n"))


def _split(piece: bytes, separator: str, first_line: int, count: int, names: list[str], delimiter: str,
           malformed: list[tuple[int, str, str]]) -> pl.DataFrame:
    """The records of ``piece``: at once when every line has the header's width (the usual case), else line
    by line, ragged lines reported and empty ones skipped."""
    width = len(names) - 1
    if count_byte(piece, delimiter.encode()) == width * count:
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
    """The physical lines of a text stream (split on line feeds only), as the csv module reads them; the lines
    read since the last ``mark`` are remembered (number, first characters) for the raw text of a record that
    cannot be parsed."""

    def __init__(self, text: TextStream, pieces: Iterable[bytes], first_line: int) -> None:
        self.text = text
        self.pieces = pieces
        self.number = first_line - 1
        self.pending: list[tuple[int, str]] = []

    def __iter__(self) -> Iterator[str]:
        for piece in self.pieces:
            for match in _LINE.finditer(piece.decode("utf-8")):
                self.number += 1
                line = match.group()
                self.pending.append((self.number, line))
                yield line

    def mark(self) -> list[tuple[int, str]]:
        """The lines read since the last mark; a new record starts after them."""
        lines, self.pending = self.pending, []
        return lines


RAW_CHARS = 400  # of each physical line, in a malformed record's raw text


def _raw(text: str) -> str:
    return text.rstrip("\r\n")[:RAW_CHARS]


def _unparsable(spanned: list[tuple[int, str]], why: str) -> list[tuple[int, str, str]]:
    """Each (non-blank) physical line of a record that cannot be parsed, as a malformed record of its own."""
    lines = [(n, text) for n, text in spanned if text.strip("\r\n")]
    first = lines[0][0] if lines else 0
    reason = why if len(lines) <= 1 else f"{why}; lines {first} to {lines[-1][0]} are each set aside"
    return [(number, _raw(text), reason) for number, text in lines]


def _resynchronised(spanned: list[tuple[int, str]], why: str, width: int, delimiter: str, quote: str,
                    ) -> tuple[list[tuple[int, list[str | None]]], list[tuple[int, str, str]]]:
    """A record that spans several lines and cannot be used (a quote that is never closed, or the wrong number
    of fields): its first line is malformed, and each following line is read again on its own, so the lines a
    stray quote swallowed come back as the records they are. A line that is not a record of the header's width
    by itself is malformed too. Each line is read once more at most: linear whatever the file holds."""
    lines = [(n, text) for n, text in spanned if text.strip("\r\n")]
    if len(lines) <= 1:
        return [], _unparsable(spanned, why)
    first = lines[0][0]
    records: list[tuple[int, list[str | None]]] = []
    malformed = [(first, _raw(lines[0][1]), why)]
    for number, text in lines[1:]:
        try:
            row = next(csv.reader([text], delimiter=delimiter, quotechar=quote, strict=True), None)
        except csv.Error:
            row = None
        if row is not None and len(row) == width:
            records.append((number, list(row)))
        else:
            malformed.append((number, _raw(text), f"{why}; this line was read into that record"))
    return records, malformed


def _csv_problem(exc: csv.Error, line: int, limit: int) -> str:
    message = str(exc)
    if "field larger than field limit" in message:
        return f"a value starting on line {line} runs past {limit} characters (a quote that is never closed?)"
    if "unexpected end of data" in message:
        return f"a quoted value opened on line {line} is never closed"
    if "new-line character seen in unquoted field" in message:
        return "a carriage return (CR) inside a value that is not quoted"
    return f"the record cannot be parsed ({message})"


def _exact(file: Path, text: TextStream, pieces: Iterable[bytes], delimiter: str, source: SourceSpec,
           limits: Limits, header: list[str], first_line: int) -> Iterator[RawExtract]:
    """The csv module from line ``first_line`` on (``header`` is empty when not read yet)."""
    lines = _Lines(text, pieces, first_line)
    csv.field_size_limit(limits.max_field_chars)  # a runaway quoted value stops here, not at the end of the file
    reader = csv.reader(lines, delimiter=delimiter, quotechar=source.quote, strict=True)
    records: list[tuple[int, list[str | None]]] = []
    malformed: list[tuple[int, str, str]] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            spanned = lines.mark()
            start = next((n for n, text in spanned if text.strip("\r\n")), lines.number)
            why = _csv_problem(exc, start, limits.max_field_chars)
            if not header:
                malformed += _unparsable(spanned, why)
                continue
            found, bad = _resynchronised(spanned, why, len(header), delimiter, source.quote)
            records += found
            malformed += bad
            continue
        spanned = lines.mark()
        if not row or spanned[0][0] < source.header_row:
            continue
        line = spanned[0][0]
        if not header:
            header = checked_header(file, row, limits)
            malformed += _after_header(file, text, line, limits)
            continue
        if len(row) != len(header):
            why = f"{len(row)} fields where the header has {len(header)}"
            if sum(1 for _, t in spanned if t.strip("\r\n")) > 1:  # a quote joined lines: read them again
                found, bad = _resynchronised(spanned, why, len(header), delimiter, source.quote)
                records += found
                malformed += bad
            else:
                malformed.append((line, "\n".join(_raw(t) for _, t in spanned), why))
            continue
        records.append((line, list(row)))
        if len(records) >= EXACT_BATCH_RECORDS:
            yield build_extract(file, header, records, malformed + text.take_long_lines(), limits, text.encoding)
            records, malformed = [], []
    yield build_extract(file, header, records, malformed + text.take_long_lines(), limits, text.encoding)


def iter_csv(file: Path, source: SourceSpec, limits: Limits, block_bytes: int | None = None) -> Iterator[RawExtract]:
    """The records of ``file`` in batches; memory is bounded by ``block_bytes``, not by the file's size.
    Pieces whose lines are all records go through polars; from the first piece that is not (a quote
    character, say), the csv module reads the rest, so a record is never cut."""
    text = iter_utf8(file, source.encoding, block_bytes or BLOCK_BYTES, limits.max_line_bytes)
    pieces = text.pieces
    first = next(pieces, b"")
    delimiter = source.delimiter or sniff_delimiter(first[:65536].decode("utf-8", errors="replace"))
    names: list[str] = []
    line, batches = 1, 0
    rest = _chain(first, pieces)
    for piece in rest:
        separator = _one_record_per_line(piece, source.quote)
        if separator is None:
            yield from _exact(file, text, _chain(piece, rest), delimiter, source, limits, names, line)
            return
        malformed: list[tuple[int, str, str]] = []
        if not names:
            header, line, piece = _header(piece, line, source.header_row)
            if header is None:
                continue
            names = checked_header(file, header.split(delimiter), limits)
            malformed += _after_header(file, text, line - 1, limits)
        if piece:
            count = _line_count(piece)
            frame = _split(piece, separator, line, count, names, delimiter, malformed)
            line += count
            batches += 1
            yield finish(frame, malformed + text.take_long_lines(), limits, text.encoding, nul_checked=True)
    if not batches:
        yield build_extract(file, names, [], text.take_long_lines(), limits, text.encoding)


def _after_header(file: Path, text: TextStream, header_line: int, limits: Limits) -> list[tuple[int, str, str]]:
    """The long lines found so far, once the header (on ``header_line``) is read: one before it rejects the
    file (which line is the header is then unknown); those after it are malformed records."""
    found = text.take_long_lines()
    before = [m for m in found if m[0] < header_line]
    if before:
        raise ExtractRejected(f"line {before[0][0]}, before the header, is longer than {limits.max_line_bytes} "
                              "bytes", reason="line-too-long", file=file)
    return found


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest
