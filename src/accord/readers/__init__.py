"""Readers: agency extract files to a ``RawExtract`` of text columns with source row numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from accord.intake.limits import Limits, check_file_size
from accord.mapping.spec import SourceSpec
from accord.readers.base import RawExtract
from accord.readers.columnar import read_fixed_width, read_parquet
from accord.readers.csv_reader import read_csv
from accord.readers.json_reader import read_json, read_ndjson
from accord.readers.spreadsheet import read_spreadsheet

READERS: dict[str, Callable[[Path, SourceSpec, Limits], RawExtract]] = {
    "csv": read_csv,
    "excel": read_spreadsheet,
    "ndjson": read_ndjson,
    "json": read_json,
    "parquet": read_parquet,
    "fixed_width": read_fixed_width,
}


def read_extract(file: Path, source: SourceSpec, limits: Limits | None = None) -> RawExtract:
    """Read ``file`` as declared by the mapping's ``source`` block, within ``limits``."""
    limits = limits or Limits.from_env()
    check_file_size(file, limits)
    return READERS[source.format](file, source, limits)


__all__ = ["READERS", "RawExtract", "read_extract"]
