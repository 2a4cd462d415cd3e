"""Excel (.xlsx, .xls) and OpenDocument (.ods) with python-calamine.

Cells become text: dates as ISO ``YYYY-MM-DD`` (a date-time at midnight counts as a date), whole numbers
without ``.0``. ``_source_row`` is the spreadsheet row number a person sees.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from accord.errors import ExtractRejected
from accord.intake.limits import Limits
from accord.mapping.source_spec import SourceSpec
from accord.readers.base import RawExtract, build_extract
from accord.readers.containers import check_zip_container


def cell_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_spreadsheet(file: Path, source: SourceSpec, limits: Limits) -> RawExtract:
    check_zip_container(file, limits)
    try:  # calamine raises several error types (zip, XML, format) for broken or hostile files
        workbook = CalamineWorkbook.from_path(str(file))
        sheet_name = source.sheet or workbook.sheet_names[0]
        if sheet_name not in workbook.sheet_names:
            raise ExtractRejected(f"sheet '{sheet_name}' not found (sheets: {', '.join(workbook.sheet_names)})",
                                  reason="sheet", file=file)
        sheet = workbook.get_sheet_by_name(sheet_name)
        if sheet.height * sheet.width > limits.max_sheet_cells:
            raise ExtractRejected(f"the sheet spans {sheet.height} rows x {sheet.width} columns, above the limit "
                                  f"of {limits.max_sheet_cells} cells", reason="too-many-cells", file=file)
        rows = sheet.iter_rows()  # row by row (leading empty rows included: indexes are row numbers - 1)
        return _records(file, list(itertools.islice(rows, source.header_row)), rows, source, limits)
    except ExtractRejected:
        raise
    except Exception as exc:
        raise ExtractRejected(f"not a readable spreadsheet ({type(exc).__name__}: {exc})", reason="format",
                              file=file) from None


def _records(file: Path, head: list[list[Any]], rest: Iterator[list[Any]], source: SourceSpec,
             limits: Limits) -> RawExtract:
    header_index = source.header_row - 1
    if len(head) <= header_index:
        raise ExtractRejected("the sheet has no header row", reason="no-header", file=file)
    header = [cell_text(c) or "" for c in head[header_index]]
    while header and header[-1] == "":
        header.pop()
    records: list[tuple[int, list[str | None]]] = []
    malformed: list[tuple[int, str, str]] = []
    for index, row in enumerate(rest, start=header_index + 1):
        cells = [cell_text(c) for c in row]
        if all(c is None for c in cells):
            continue
        extra = [c for c in cells[len(header):] if c is not None]
        if extra:
            raw = " | ".join(c or "" for c in cells)
            malformed.append((index + 1, raw, f"values beyond the {len(header)} named columns"))
            continue
        cells = (cells + [None] * len(header))[: len(header)]
        records.append((index + 1, cells))
    return build_extract(file, header, records, malformed, limits)
