"""Zip containers (xlsx, ods), checked before any of their XML is parsed.

The container is recognised by its first bytes, not its name: a zip bomb named ``.bin`` is still a zip. A
spreadsheet is refused when it expands too much (in total or by ratio), holds too many entries, or when its
sheets span more cells than ``max_sheet_cells``: the spreadsheet reader holds every cell of a sheet's range in
memory, from the first cell to the last one, so two cells far apart in a 5 KB file would ask for terabytes.
The extent is read from the cell references (xlsx) and repeat counts (ods) while streaming the XML, a block
at a time, with regular expressions (no XML parser, no entity expansion).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from accord.errors import ExtractRejected
from accord.intake.limits import Limits

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_CHUNK = 1 << 20
_XLSX_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"")
_XLSX_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"([0-9]{1,7})\"")
_ODS_ROW = re.compile(rb"<table:table-row\b([^>]*)>(.*?)</table:table-row>|<table:table-row\b([^>]*)/>", re.S)
_ODS_CELL = re.compile(rb"<table:(?:covered-)?table-cell\b([^>]*?)(/>|>(.*?)</table:(?:covered-)?table-cell>)", re.S)
_REPEAT = re.compile(rb"number-(?:rows|columns)-repeated=\"([0-9]{1,9})\"")


def is_zip(file: Path) -> bool:
    with file.open("rb") as handle:
        return handle.read(4) in ZIP_MAGIC


def _column(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _stream(archive: zipfile.ZipFile, name: str, overlap: int) -> Iterator[bytes]:
    """The entry's bytes in chunks, each starting with the last ``overlap`` bytes of the one before."""
    tail = b""
    with archive.open(name) as handle:
        while chunk := handle.read(_CHUNK):
            yield tail + chunk
            tail = chunk[-overlap:]


def _xlsx_cells(archive: zipfile.ZipFile, name: str) -> int:
    rows = columns = 0
    for chunk in _stream(archive, name, 64):
        for letters, number in _XLSX_CELL.findall(chunk):
            columns = max(columns, _column(letters))
            rows = max(rows, int(number))
        for number in _XLSX_ROW.findall(chunk):
            rows = max(rows, int(number))
    return rows * columns


def _repeat(attributes: bytes) -> int:
    found = _REPEAT.search(attributes)
    return int(found.group(1)) if found else 1


def _ods_cells(archive: zipfile.ZipFile, name: str, limits: Limits) -> int:
    """Cells of the range that holds a value: repeated empty rows and cells at the end do not count."""
    data = archive.read(name)  # bounded by the container checks; ods keeps all sheets in one entry
    rows = width = 0
    pending_rows = 0
    for row in _ODS_ROW.finditer(data):
        attributes, body = (row.group(1), row.group(2)) if row.group(2) is not None else (row.group(3), b"")
        repeat = _repeat(attributes)
        column = last = 0
        for cell in _ODS_CELL.finditer(body or b""):
            column += _repeat(cell.group(1))
            if b"value-type" in cell.group(1) or (cell.group(3) or b"").strip():
                last = column
        if last:
            rows += pending_rows + repeat
            pending_rows = 0
            width = max(width, last)
        else:
            pending_rows += repeat
    return rows * width


def check_zip_container(file: Path, limits: Limits) -> None:
    """Refuse zip bombs and oversized sheets before any XML is parsed (does nothing for a file that is not a
    zip container)."""
    if not is_zip(file):
        return
    try:
        with zipfile.ZipFile(file) as archive:
            entries = archive.infolist()
            if len(entries) > limits.max_zip_entries:
                raise ExtractRejected(f"the spreadsheet container holds {len(entries)} entries, above the limit of "
                                      f"{limits.max_zip_entries}", reason="decompression-bomb", file=file)
            unzipped = sum(e.file_size for e in entries)
            packed = max(1, sum(e.compress_size for e in entries))
            if unzipped > limits.max_unzipped_bytes or unzipped / packed > limits.max_zip_ratio:
                raise ExtractRejected(f"spreadsheet expands from {packed} to {unzipped} bytes (ratio "
                                      f"{unzipped // packed}, limit {limits.max_zip_ratio}): refused as a zip bomb",
                                      reason="decompression-bomb", file=file)
            names = [e.filename for e in entries]
            # every XML entry, wherever the workbook's relationships put the sheets
            sheets = [n for n in names if n.endswith(".xml") and n != "content.xml"]
            cells = max([_xlsx_cells(archive, n) for n in sheets] or [0])
            if "content.xml" in names:
                cells = max(cells, _ods_cells(archive, "content.xml", limits))
    except zipfile.BadZipFile:
        raise ExtractRejected("not a valid spreadsheet: the zip container is damaged or truncated",
                              reason="format", file=file) from None
    if cells > limits.max_sheet_cells:
        raise ExtractRejected(f"a sheet spans {cells} cells from its first to its last cell, above the limit of "
                              f"{limits.max_sheet_cells}: remove the stray cells far from the data, or split the "
                              "sheet", reason="too-many-cells", file=file)
