"""The same table, saved another way: an analyst re-saves an extract in Excel (commas instead of semicolons,
UTF-8 with a byte-order mark instead of Windows-1252) or sends the workbook itself. When the file's header holds
every column the mapping reads under another separator or encoding, or the file is a spreadsheet for a CSV
mapping (or the reverse), it is read that way, and the report says so (a note in English and French). A mapping
opts out with ``source.strict_format: true``. A file that is no table at all (a zip, a PDF, Parquet) for a
text mapping is refused naming what it is."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from accord.errors import ExtractRejected
from accord.mapping.source_spec import SourceSpec
from accord.readers.kinds import SPREADSHEETS, described, kind_of
from accord.readers.text import BOMS, detect_encoding

HEAD_BYTES = 65_536
DELIMITERS = {",": ("commas", "virgules"), ";": ("semicolons", "points-virgules"), "\t": ("tabs", "tabulations"),
              "|": ("vertical bars", "barres verticales")}
TEXT_FORMATS = ("csv", "json", "ndjson", "fixed_width")

Note = dict[str, str]  # {"en": ..., "fr": ...}


def _note(en: str, fr: str) -> Note:
    return {"en": f"{en}: read anyway", "fr": f"{fr} : lu quand même"}


def _encoding_name(encoding: str, lang: str) -> str:
    if encoding == "utf-8-sig":
        return "UTF-8 with a byte-order mark" if lang == "en" else "UTF-8 avec marque d'ordre (BOM)"
    return encoding


def _header(head: bytes, encoding: str, delimiter: str, source: SourceSpec) -> list[str] | None:
    """The header row's names in ``head`` read with ``encoding`` and ``delimiter``; None when it does not
    decode."""
    complete = head[:head.rfind(b"\n") + 1] or head
    try:
        text = complete.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    lines = text.lstrip("\ufeff").splitlines()
    if len(lines) < source.header_row:
        return None
    row = next(csv.reader([lines[source.header_row - 1]], delimiter=delimiter, quotechar=source.quote), [])
    return [name.strip() for name in row]


def _declared_encoding(source: SourceSpec, head: bytes) -> str | None:
    if source.encoding:
        return source.encoding
    try:
        return detect_encoding(head)
    except ExtractRejected:
        return None


def _csv(file: Path, source: SourceSpec, needed: set[str]) -> tuple[SourceSpec, list[Note]]:
    with file.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    declared = _declared_encoding(source, head)
    delimiter = source.delimiter
    if declared and delimiter and needed <= set(_header(head, declared, delimiter, source) or []):
        return source, []
    bom = next((name for mark, name in BOMS if head.startswith(mark)), None)
    encodings = list(dict.fromkeys(e for e in (declared, bom, "utf-8", "cp1252") if e))
    delimiters = list(dict.fromkeys(d for d in (delimiter, *DELIMITERS) if d))
    for encoding in encodings:
        for candidate in delimiters:
            names = _header(head, encoding, candidate, source)
            if names is None or not needed <= set(names):
                continue
            if encoding == declared and candidate == delimiter:
                return source, []
            notes, changes = [], {}
            if candidate != delimiter and delimiter:
                changes["delimiter"] = candidate
                notes.append(_note(f"saved with {DELIMITERS[candidate][0]} between values instead of "
                                   f"{DELIMITERS.get(delimiter, (repr(delimiter),))[0]}",
                                   f"enregistré avec des {DELIMITERS[candidate][1]} au lieu de "
                                   f"{DELIMITERS.get(delimiter, ('', repr(delimiter)))[1]}"))
            if encoding != declared and source.encoding:
                changes["encoding"] = encoding
                notes.append(_note(f"encoded in {_encoding_name(encoding, 'en')} instead of {source.encoding}",
                                   f"encodé en {_encoding_name(encoding, 'fr')} au lieu de {source.encoding}"))
            return source.model_copy(update=changes), notes
    return source, []


def same_table(file: Path, source: SourceSpec, needed: list[str]) -> tuple[SourceSpec, list[Note]]:
    """The way to read ``file`` so that it gives the columns ``needed`` (the mapping's), and the notes saying
    how it differs from ``source``."""
    kind = kind_of(file)
    if source.format in TEXT_FORMATS and kind not in ("text", *SPREADSHEETS):
        raise ExtractRejected(f"the file is {described(kind, 'en')}, not {source.format} text: send the "
                              f"{source.format} extract itself", reason="wrong-format")
    if source.strict_format or not needed:
        if source.format in TEXT_FORMATS and kind in SPREADSHEETS:
            raise ExtractRejected(f"the file is {described(kind, 'en')}, and this mapping reads {source.format} "
                                  "only (strict_format): save it as CSV", reason="wrong-format")
        return source, []
    changes: dict[str, Any]
    if source.format == "csv" and kind in SPREADSHEETS:
        changes = {"format": "excel", "encoding": None, "delimiter": None}
        return source.model_copy(update=changes), [_note(f"saved as {described(kind, 'en')} instead of CSV",
                                                         f"enregistré comme {described(kind, 'fr')} au lieu de CSV")]
    if source.format == "excel" and kind == "text":
        changes = {"format": "csv", "encoding": None, "delimiter": None, "sheet": None}
        adapted, _ = _csv(file, source.model_copy(update=changes), set(needed))
        return adapted, [_note("saved as CSV text instead of a workbook",
                               "enregistré en texte CSV au lieu d'un classeur")]
    if source.format == "csv" and kind == "text":
        return _csv(file, source, set(needed))
    return source, []
