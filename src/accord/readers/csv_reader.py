"""Delimited text. Records keep the line number where they start; ragged records are reported, not padded."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from accord.mapping.spec import SourceSpec
from accord.readers.base import RawExtract, build_extract
from accord.readers.text import decode


def read_csv(file: Path, source: SourceSpec) -> RawExtract:
    text, encoding = decode(file, file.read_bytes(), source.encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=source.delimiter, quotechar=source.quote,
                        strict=True)
    header: list[str] = []
    records: list[tuple[int, list[str | None]]] = []
    malformed: list[tuple[int, str, str]] = []
    lines = text.splitlines()
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not row:
                continue
            if line < source.header_row:
                continue
            if not header:
                header = row
                continue
            if len(row) != len(header):
                raw = source.delimiter.join(row)
                malformed.append((line, raw, f"{len(row)} fields where the header has {len(header)}"))
                continue
            records.append((line, list(row)))
    except csv.Error as exc:
        raw = lines[start - 1] if start - 1 < len(lines) else ""
        malformed.append((start, raw, f"unreadable from here to the end of the file ({exc})"))
    return build_extract(file, header, records, malformed, encoding)
