"""Readers: agency extract files to a ``RawExtract`` of text columns with source row numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from accord.mapping.spec import SourceSpec
from accord.readers.base import RawExtract
from accord.readers.csv_reader import read_csv
from accord.readers.json_reader import read_json, read_ndjson
from accord.readers.spreadsheet import read_spreadsheet

READERS: dict[str, Callable[[Path, SourceSpec], RawExtract]] = {
    "csv": read_csv,
    "excel": read_spreadsheet,
    "ndjson": read_ndjson,
    "json": read_json,
}


def read_extract(file: Path, source: SourceSpec) -> RawExtract:
    """Read ``file`` as declared by the mapping's ``source`` block."""
    return READERS[source.format](file, source)


__all__ = ["READERS", "RawExtract", "read_extract"]
