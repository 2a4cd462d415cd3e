"""Readers: agency extract files to ``RawExtract`` batches of text columns with source row numbers.

Delimited text, NDJSON, fixed-width text and Parquet are read in batches, so their size is bounded only by
``Limits.max_streamed_file_bytes``; spreadsheets and JSON arrays are parsed whole (one batch) and bounded by
``Limits.max_file_bytes`` and ``max_json_bytes``. Whatever a reader raises on a hostile file becomes an
``ExtractRejected`` naming the file: no reader exception escapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from accord.errors import AccordError, ExtractRejected
from accord.intake.limits import Limits, check_file_size
from accord.mapping.source_spec import SourceSpec
from accord.readers.base import RawExtract, concat_batches
from accord.readers.csv_reader import iter_csv
from accord.readers.json_reader import read_json, read_ndjson
from accord.readers.spreadsheet import read_spreadsheet

Reader = Callable[[Path, SourceSpec, Limits], RawExtract]
BatchReader = Callable[[Path, SourceSpec, Limits], Iterator[RawExtract]]

def iter_parquet(file: Path, source: SourceSpec, limits: Limits) -> Iterator[RawExtract]:
    from accord.readers.columnar import iter_parquet as read  # pyarrow, imported for Parquet only

    return read(file, source, limits)


def read_fixed_width(file: Path, source: SourceSpec, limits: Limits) -> Iterator[RawExtract]:
    from accord.readers.columnar import read_fixed_width as read

    return read(file, source, limits)


STREAMED: dict[str, BatchReader] = {"csv": iter_csv, "parquet": iter_parquet, "ndjson": read_ndjson,
                                    "fixed_width": read_fixed_width}
WHOLE: dict[str, Reader] = {"excel": read_spreadsheet, "json": read_json}


def iter_extract(file: Path, source: SourceSpec, limits: Limits | None = None) -> Iterator[RawExtract]:
    """Read ``file`` as declared by the mapping's ``source`` block, within ``limits``, in batches (at least
    one, whose frame holds the columns even when the file has no record)."""
    limits = limits or Limits.from_env()
    check_file_size(file, limits, source.format)
    try:
        if source.format in STREAMED:
            yield from STREAMED[source.format](file, source, limits)
        else:
            yield WHOLE[source.format](file, source, limits)
    except AccordError:
        raise
    except MemoryError:
        raise ExtractRejected("reading the file needs more memory than this machine has", reason="unreadable",
                              file=file) from None
    except Exception as exc:  # a parser's own error on a hostile file: the file's problem, said as such
        raise ExtractRejected(f"the file cannot be read ({type(exc).__name__}: {exc})", reason="unreadable",
                              file=file) from None


def read_extract(file: Path, source: SourceSpec, limits: Limits | None = None) -> RawExtract:
    """The whole extract at once (small files, mapping suggestions, tests)."""
    return concat_batches(iter_extract(file, source, limits))


__all__ = ["RawExtract", "iter_extract", "read_extract"]
