"""Limits on what an extract may be. Going past one rejects the file with a clear reason instead of hanging
or exhausting memory. Each can be set with an environment variable (``ACCORD_MAX_FILE_BYTES``, ...)."""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, fields
from pathlib import Path

from accord.errors import ExtractRejected

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".ods")
STREAMED_FORMATS = ("csv", "parquet")  # read in batches: memory does not grow with the file


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 512 * 1024 * 1024  # formats parsed whole: spreadsheets, JSON, fixed-width
    max_streamed_file_bytes: int = 64 * 1024**3  # formats read in batches: delimited text, Parquet
    max_columns: int = 1000
    max_field_chars: int = 100_000
    max_zip_ratio: int = 100
    max_unzipped_bytes: int = 1024 * 1024 * 1024

    def file_limit(self, source_format: str) -> int:
        return self.max_streamed_file_bytes if source_format in STREAMED_FORMATS else self.max_file_bytes

    @classmethod
    def from_env(cls) -> Limits:
        values = {f.name: int(os.environ[f"ACCORD_{f.name.upper()}"]) for f in fields(cls)
                  if f"ACCORD_{f.name.upper()}" in os.environ}
        return cls(**values)


def check_file_size(file: Path, limits: Limits, source_format: str) -> None:
    size = file.stat().st_size
    limit = limits.file_limit(source_format)
    if size > limit:
        raise ExtractRejected(f"file is {size} bytes, above the limit of {limit}", reason="too-large", file=file)
    if size == 0:
        raise ExtractRejected("file is empty (0 bytes)", reason="empty", file=file)


def check_zip_container(file: Path, limits: Limits) -> None:
    """Spreadsheets that are zip files (xlsx, ods): refuse zip bombs before any XML is parsed."""
    if file.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile:
        raise ExtractRejected("not a valid spreadsheet: the zip container is damaged or truncated",
                              reason="format", file=file) from None
    unzipped = sum(e.file_size for e in entries)
    packed = max(1, sum(e.compress_size for e in entries))
    if unzipped > limits.max_unzipped_bytes or unzipped / packed > limits.max_zip_ratio:
        raise ExtractRejected(f"spreadsheet expands from {packed} to {unzipped} bytes (ratio "
                              f"{unzipped // packed}, limit {limits.max_zip_ratio}): refused as a zip bomb",
                              reason="decompression-bomb", file=file)
