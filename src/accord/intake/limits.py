"""Limits on what an extract may be. Each applies before the bytes it guards are decoded, and going past one
refuses the file (or quarantines the record) with a clear reason instead of hanging or exhausting memory. Each
can be set with an environment variable (``ACCORD_MAX_FILE_BYTES``, ...); docs/security.md lists where each
is enforced."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from accord.errors import ExtractRejected

STREAMED_FORMATS = ("csv", "parquet", "ndjson", "fixed_width")  # read in batches: memory does not grow with the file


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 512 * 1024 * 1024  # formats parsed whole: spreadsheets
    max_json_bytes: int = 128 * 1024 * 1024  # a JSON array is parsed whole, and Python objects take ~10x its size
    max_streamed_file_bytes: int = 64 * 1024**3  # formats read in batches: delimited text, NDJSON, Parquet
    max_columns: int = 1000
    max_field_chars: int = 100_000
    max_line_bytes: int = 32 * 1024 * 1024  # one physical line of text (a record cannot hold more)
    max_json_depth: int = 32
    max_zip_ratio: int = 100
    max_unzipped_bytes: int = 1024 * 1024 * 1024
    max_zip_entries: int = 10_000
    max_sheet_cells: int = 20_000_000  # a spreadsheet reader holds every cell of the sheet in memory
    max_decode_ratio: int = 1000  # Parquet: decoded text / file size (small files may decode to 256 MiB)
    # row operations (explode, unpivot): records one source record / one file may make, and made at once
    max_records_per_row: int = 10_000
    max_records_per_file: int = 100_000_000
    max_records_at_once: int = 1_000_000

    def file_limit(self, source_format: str) -> int:
        if source_format == "json":
            return self.max_json_bytes
        return self.max_streamed_file_bytes if source_format in STREAMED_FORMATS else self.max_file_bytes

    def decoded_budget(self, file_size: int) -> int:
        return max(256 * 1024 * 1024, self.max_decode_ratio * file_size)

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
