"""Zip containers (xlsx, ods), checked before any of their XML is parsed.

The container is recognised by its first bytes, not its name: a zip bomb named ``.bin`` is still a zip. A
spreadsheet is refused when it expands too much (in total or by ratio), holds too many entries, or when its
sheets span more cells than ``max_sheet_cells``: the spreadsheet reader holds every cell of a sheet's range in
memory, from the first cell to the last one, so two cells far apart in a 5 KB file would ask for terabytes.
The extent is read from the cell references (xlsx) and repeat counts (ods) while streaming the XML, a block
at a time, with regular expressions (no XML parser, no entity expansion).
"""

from __future__ import annotations

import contextlib
import lzma
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from accord.errors import ExtractRejected
from accord.intake.limits import Limits

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE compound file: .xls, or an Office-encrypted .xlsx
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # the stream an encrypted workbook is wrapped in
# what zipfile raises on a damaged member: a CRC that does not match, a stream cut short, a method it lacks
DAMAGED = (zipfile.BadZipFile, EOFError, zlib.error, lzma.LZMAError, NotImplementedError, zipfile.LargeZipFile)
_CHUNK = 1 << 20
_XLSX_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"")
_XLSX_ROW = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"([0-9]{1,7})\"")
_ODS_ROW = re.compile(rb"<table:table-row\b([^>]*)>(.*?)</table:table-row>|<table:table-row\b([^>]*)/>", re.S)
_ODS_CELL = re.compile(rb"<table:(?:covered-)?table-cell\b([^>]*?)(/>|>(.*?)</table:(?:covered-)?table-cell>)", re.S)
_REPEAT = re.compile(rb"number-(?:rows|columns)-repeated=\"([0-9]{1,9})\"")


def is_zip(file: Path) -> bool:
    with file.open("rb") as handle:
        return handle.read(4) in ZIP_MAGIC


def refuse_encrypted(entries: Iterable[zipfile.ZipInfo], file: Path, what: str) -> None:
    """A member with the zip encryption flag is refused by name (zipfile would ask for a password)."""
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise ExtractRejected(f"{what} member {entry.filename[:200]!r} is encrypted (password-protected): send "
                                  "it without a password", reason="encrypted", file=file)


@contextlib.contextmanager
def damaged_zip(file: Path, what: str) -> Iterator[None]:
    """Whatever zipfile raises on a damaged archive (bad CRC, truncated member, unknown method) refuses the file
    with ``corrupt-archive``, naming what was wrong."""
    try:
        yield
    except OSError as exc:
        if exc.errno is not None:  # the machine's (a disk, a descriptor), not the archive's
            raise
        raise ExtractRejected(f"{what} is damaged or truncated ({exc}): make it again and send the new file",
                              reason="corrupt-archive", file=file) from None  # bz2's "Invalid data stream"
    except DAMAGED as exc:
        detail = "its zip directory cannot be read" if str(exc) == "File is not a zip file" else str(exc)
        raise ExtractRejected(f"{what} is damaged or truncated ({detail}): make it again and send the new file",
                              reason="corrupt-archive", file=file) from None


def is_encrypted_workbook(file: Path) -> bool:
    """An Office workbook saved with a password: an OLE compound file holding an ``EncryptedPackage`` stream."""
    with file.open("rb") as handle:
        if handle.read(8) != CFB_MAGIC:
            return False
        tail = b""
        while chunk := handle.read(_CHUNK):
            if ENCRYPTED_PACKAGE in tail + chunk:
                return True
            tail = chunk[-len(ENCRYPTED_PACKAGE):]
    return False


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
    if is_encrypted_workbook(file):
        raise ExtractRejected("the workbook is password-protected: save it without a password and send it again",
                              reason="encrypted", file=file)
    if not is_zip(file):
        return
    with damaged_zip(file, "the spreadsheet"), zipfile.ZipFile(file) as archive:
        entries = archive.infolist()
        if len(entries) > limits.max_zip_entries:
            raise ExtractRejected(f"the spreadsheet container holds {len(entries)} entries, above the limit of "
                                  f"{limits.max_zip_entries}", reason="decompression-bomb", file=file)
        refuse_encrypted(entries, file, "the spreadsheet's")
        unzipped = sum(e.file_size for e in entries)
        packed = max(1, sum(e.compress_size for e in entries))
        if unzipped > limits.max_unzipped_bytes or unzipped / packed > limits.max_zip_ratio:
            raise ExtractRejected(f"spreadsheet expands from {packed} to {unzipped} bytes (ratio "
                                  f"{unzipped // packed}, limit {limits.max_zip_ratio}): refused as a zip bomb",
                                  reason="decompression-bomb", file=file)
        names = [e.filename for e in entries]
        # every XML entry, wherever the workbook's relationships put the sheets; each is read to its end, so
        # zipfile checks its CRC and its length
        sheets = [n for n in names if n.endswith(".xml") and n != "content.xml"]
        cells = max([_xlsx_cells(archive, n) for n in sheets] or [0])
        if "content.xml" in names:
            cells = max(cells, _ods_cells(archive, "content.xml", limits))
    if cells > limits.max_sheet_cells:
        raise ExtractRejected(f"a sheet spans {cells} cells from its first to its last cell, above the limit of "
                              f"{limits.max_sheet_cells}: remove the stray cells far from the data, or split the "
                              "sheet", reason="too-many-cells", file=file)
