"""Readers: agency extract files to ``RawExtract`` batches of text columns with source row numbers.

Delimited text and Parquet are read in batches, so their size is bounded only by
``Limits.max_streamed_file_bytes``; the other formats are parsed whole (one batch) and bounded by
``Limits.max_file_bytes``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from accord.intake.limits import Limits, check_file_size
from accord.mapping.spec import SourceSpec
from accord.readers.base import RawExtract, concat_batches
from accord.readers.columnar import iter_parquet, read_fixed_width
from accord.readers.csv_reader import iter_csv
from accord.readers.json_reader import read_json, read_ndjson
from accord.readers.spreadsheet import read_spreadsheet

Reader = Callable[[Path, SourceSpec, Limits], RawExtract]
BatchReader = Callable[[Path, SourceSpec, Limits], Iterator[RawExtract]]

STREAMED: dict[str, BatchReader] = {"csv": iter_csv, "parquet": iter_parquet}
WHOLE: dict[str, Reader] = {
    "excel": read_spreadsheet,
    "ndjson": read_ndjson,
    "json": read_json,
    "fixed_width": read_fixed_width,
}


def iter_extract(file: Path, source: SourceSpec, limits: Limits | None = None) -> Iterator[RawExtract]:
    """Read ``file`` as declared by the mapping's ``source`` block, within ``limits``, in batches (at least
    one, whose frame holds the columns even when the file has no record)."""
    limits = limits or Limits.from_env()
    check_file_size(file, limits, source.format)
    if source.format in STREAMED:
        yield from STREAMED[source.format](file, source, limits)
    else:
        yield WHOLE[source.format](file, source, limits)


def read_extract(file: Path, source: SourceSpec, limits: Limits | None = None) -> RawExtract:
    """The whole extract at once (small files, mapping suggestions, tests)."""
    return concat_batches(iter_extract(file, source, limits))


__all__ = ["RawExtract", "iter_extract", "read_extract"]
