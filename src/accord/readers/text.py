"""Bytes to text: the encoding declared in the mapping, else detection.

Detection order, deterministic for the encodings agency systems export:
1. a byte-order mark (UTF-8, UTF-16 LE/BE);
2. UTF-8, when the bytes are valid UTF-8;
   A file with valid UTF-8 sequences *and* bytes that are not UTF-8 mixes encodings: it is rejected, since
   any single decoding would garble part of it.
3. cp1252 (Windows Latin-1, which covers ISO-8859-1's printable characters), when no byte is undefined in it
   and no C1 control character results;
4. otherwise charset-normalizer's best guess among other single-byte Western encodings.
charset-normalizer is not asked first: on short French text it prefers cp850 or hp_roman8 over cp1252.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from charset_normalizer import from_bytes

from accord.errors import ExtractRejected

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_C1_CONTROLS = re.compile("[\x80-\x9f]")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
FALLBACK_CANDIDATES = ["iso8859_15", "latin_1", "cp850", "mac_roman"]


def detect_encoding(data: bytes) -> str:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if _UTF8_MULTIBYTE.search(data):
            raise ExtractRejected(f"mixed encodings: the file has UTF-8 text but byte {exc.start} is not UTF-8; "
                                  "re-export the whole file in one encoding", reason="mixed-encoding") from None
    try:
        if not _C1_CONTROLS.search(data.decode("cp1252")):
            return "cp1252"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:1_000_000], cp_isolation=FALLBACK_CANDIDATES).best()
    return str(best.encoding) if best is not None else "latin_1"


def decode(file: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    """Decode ``data``; return the text and the encoding used. A wrong or undecodable encoding rejects the
    file with the byte offset."""
    try:
        chosen = encoding or detect_encoding(data)
    except ExtractRejected as exc:
        raise ExtractRejected(exc.message, reason=exc.reason, file=file) from None
    if chosen.replace("_", "-").lower() in ("utf-8", "utf8") and data.startswith(codecs.BOM_UTF8):
        chosen = "utf-8-sig"
    try:
        return data.decode(chosen), chosen
    except LookupError:
        raise ExtractRejected(f"unknown encoding '{chosen}'", reason="encoding", file=file) from None
    except UnicodeDecodeError as exc:
        raise ExtractRejected(f"bytes at offset {exc.start} are not valid {chosen}", reason="encoding",
                              file=file) from None
