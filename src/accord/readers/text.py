"""Bytes to text: declared encoding, or detection with charset-normalizer."""

from __future__ import annotations

import codecs
from pathlib import Path

from charset_normalizer import from_bytes

from accord.errors import ExtractRejected

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def detect_encoding(data: bytes) -> str:
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:1_000_000]).best()
    if best is None:
        raise ExtractRejected("cannot determine the text encoding", reason="encoding")
    return str(best.encoding)


def decode(file: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    """Decode ``data``; return the text and the encoding used. A wrong or undecodable encoding rejects the
    file with the byte offset."""
    chosen = encoding or detect_encoding(data)
    if chosen.replace("_", "-").lower() in ("utf-8", "utf8") and data.startswith(codecs.BOM_UTF8):
        chosen = "utf-8-sig"
    try:
        return data.decode(chosen), chosen
    except LookupError:
        raise ExtractRejected(f"unknown encoding '{chosen}'", reason="encoding", file=file) from None
    except UnicodeDecodeError as exc:
        raise ExtractRejected(f"bytes at offset {exc.start} are not valid {chosen}", reason="encoding",
                              file=file) from None
