"""Delimited text. Records keep the line number where they start; ragged records are reported, not padded.
The delimiter is sniffed among , ; tab | when the mapping does not declare it."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from accord.intake.limits import Limits
from accord.mapping.spec import SourceSpec
from accord.readers.base import RawExtract, build_extract
from accord.readers.text import decode

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


def read_csv(file: Path, source: SourceSpec, limits: Limits) -> RawExtract:
    text, encoding = decode(file, file.read_bytes(), source.encoding)
    delimiter = source.delimiter or sniff_delimiter(text)
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
