"""Bytes to text: the encoding declared in the mapping, else detection; decoded block by block, so a file
of any size is read with bounded memory.

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
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from charset_normalizer import from_bytes

from accord.errors import ExtractRejected

BLOCK_BYTES = 32 * 1024 * 1024
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_C1_CONTROLS = re.compile("[\x80-\x9f]")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
FALLBACK_CANDIDATES = ["iso8859_15", "latin_1", "cp850", "mac_roman"]


def read_blocks(file: Path, size: int = BLOCK_BYTES) -> Iterator[bytes]:
    with file.open("rb") as handle:
        while block := handle.read(size):
            yield block


def _valid_utf8(blocks: Iterable[bytes]) -> int | None:
    """None when all ``blocks`` together are valid UTF-8, else the offset of the first invalid byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    start = 0
    for block in blocks:
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(block)
        except UnicodeDecodeError as exc:
            return start - pending + exc.start
        start += len(block)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return start - len(decoder.getstate()[0]) + exc.start
    return None


def _is_cp1252(blocks: Iterable[bytes]) -> bool:
    try:
        return not any(_C1_CONTROLS.search(block.decode("cp1252")) for block in blocks)
    except UnicodeDecodeError:
        return False


def _detect(first: bytes, blocks: Callable[[], Iterable[bytes]]) -> str:
    """The detection order of the module docstring; ``blocks`` gives the whole data each time it is called."""
    for bom, name in _BOMS:
        if first.startswith(bom):
            return name
    bad = _valid_utf8(blocks())
    if bad is None:
        return "utf-8"
    if any(_UTF8_MULTIBYTE.search(block) for block in blocks()):
        raise ExtractRejected(f"mixed encodings: the file has UTF-8 text but byte {bad} is not UTF-8; "
                              "re-export the whole file in one encoding", reason="mixed-encoding")
    if _is_cp1252(blocks()):
        return "cp1252"
    best = from_bytes(first[:1_000_000], cp_isolation=FALLBACK_CANDIDATES).best()
    return str(best.encoding) if best is not None else "latin_1"


def detect_encoding(data: bytes) -> str:
    """The encoding of ``data`` (see the module's detection order)."""
    return _detect(data, lambda: [data])


def _chosen(file: Path, encoding: str | None, first: bytes, blocks: Callable[[], Iterable[bytes]]) -> str:
    """The declared encoding, else the detected one; checked to exist."""
    try:
        chosen = encoding or _detect(first, blocks)
    except ExtractRejected as exc:
        raise ExtractRejected(exc.message, reason=exc.reason, file=file) from None
    if chosen.replace("_", "-").lower() in ("utf-8", "utf8") and first.startswith(codecs.BOM_UTF8):
        chosen = "utf-8-sig"
    try:
        codecs.lookup(chosen)
    except LookupError:
        raise ExtractRejected(f"unknown encoding '{chosen}'", reason="encoding", file=file) from None
    return chosen


def iter_utf8(file: Path, encoding: str | None, size: int = BLOCK_BYTES) -> tuple[str, Iterator[bytes]]:
    """The encoding used and the file's text, UTF-8 encoded, as pieces that each end with a line feed (except
    the last); a "\r\n" is never split. Undecodable bytes reject the file with their offset."""
    first = next(read_blocks(file, 1_000_000), b"")
    chosen = _chosen(file, encoding, first, lambda: read_blocks(file, size))
    already_utf8 = codecs.lookup(chosen).name == "utf-8"  # validated, passed on as they are

    def pieces() -> Iterator[bytes]:
        decoder = codecs.getincrementaldecoder(chosen)()
        start, carry = 0, b""
        for block in itertools.chain(read_blocks(file, size), [b""]):
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                raise ExtractRejected(f"bytes at offset {start - pending + exc.start} are not valid {chosen}",
                                      reason="encoding", file=file) from None
            start += len(block)
            data = block if already_utf8 else text.encode("utf-8")
            cut = data.rfind(b"\n") + 1 if block else len(data)
            if cut:
                yield carry + memoryview(data)[:cut]
                carry = data[cut:]
            else:
                carry += data
        if carry:
            yield carry

    return chosen, pieces()


def decode(file: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    """Decode ``data`` (a whole file that is read at once); return the text and the encoding used. A wrong
    or undecodable encoding rejects the file with the byte offset."""
    chosen = _chosen(file, encoding, data, lambda: [data])
    try:
        return data.decode(chosen), chosen
    except UnicodeDecodeError as exc:
        raise ExtractRejected(f"bytes at offset {exc.start} are not valid {chosen}", reason="encoding",
                              file=file) from None
