"""What a file is, from its first bytes (and a zip's member names), whatever its name says: an analyst's file
named ``.csv`` may be a workbook, a zip, a PDF. Used to read the same table saved another way, and to name the
real cause when a file cannot be read."""

from __future__ import annotations

import zipfile
from pathlib import Path

SPREADSHEETS = ("xlsx", "ods", "xls")
NAMES = {
    "xlsx": ("an Excel workbook (.xlsx)", "un classeur Excel (.xlsx)"),
    "ods": ("an OpenDocument spreadsheet (.ods)", "une feuille de calcul OpenDocument (.ods)"),
    "xls": ("an old Excel workbook (.xls)", "un ancien classeur Excel (.xls)"),
    "zip": ("a zip archive", "une archive zip"),
    "parquet": ("a Parquet file", "un fichier Parquet"),
    "gzip": ("a gzip-compressed file", "un fichier compressé gzip"),
    "pdf": ("a PDF document", "un document PDF"),
    "text": ("a text file", "un fichier texte"),
}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def kind_of(file: Path) -> str:
    """``xlsx``, ``ods``, ``xls``, ``zip``, ``parquet``, ``gzip``, ``pdf`` or ``text`` (anything else)."""
    with file.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(file)
    if head.startswith(_OLE2):
        return "xls"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"%PDF"):
        return "pdf"
    return "text"


def _zip_kind(file: Path) -> str:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist()[:10_000])  # the central directory only; no member is read
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 200 \
                    and b"opendocument.spreadsheet" in archive.read("mimetype"):
                return "ods"
    except (zipfile.BadZipFile, OSError, KeyError):  # a damaged zip: what its name says it is (the reader says why)
        suffix = file.suffix.lower().removeprefix(".")
        return suffix if suffix in ("xlsx", "ods") else "zip"
    return "xlsx" if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names) else "zip"


def described(kind: str, lang: str) -> str:
    return NAMES[kind][0 if lang == "en" else 1]
