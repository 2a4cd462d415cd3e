"""Bytes to text: the encoding declared in the mapping, else detection; decoded block by block, so a file
of any size is read with bounded memory.

Detection order, deterministic for the encodings agency systems export:
1. a byte-order mark (UTF-8, UTF-16 LE/BE);
2. UTF-8, when the bytes are valid UTF-8;
   A file with valid UTF-8 sequences *and* bytes that are not UTF-8 mixes encodings: it is rejected, since
   any single decoding would garble part of it, unless charset-normalizer finds it coherent text in one of the
   East Asian multi-byte encodings (Shift_JIS, EUC-JP, GB18030, Big5, EUC-KR), whose bytes can look like
   UTF-8 sequences by chance (the decoded text without mess, and the whole file decoding in it).
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

BLOCK_BYTES = 16 * 1024 * 1024
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_C1_CONTROLS = re.compile("[\x80-\x9f]")
_WINDOWS_ONLY = re.compile(b"[\x80-\x9f]")  # the same range in bytes: where Windows-1252 is not Latin-1
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
FALLBACK_CANDIDATES = ["iso8859_15", "latin_1", "cp850", "mac_roman"]
MULTIBYTE_CANDIDATES = ["cp932", "shift_jis", "euc_jp", "gb18030", "big5", "euc_kr", "cp949"]
MAX_CHAOS = 0.01  # charset-normalizer's mess ratio of the decoded text: Shift_JIS text read as cp932 has 0.0


NUMPY_BYTES = 1 << 20  # from this size on, bytes are counted by numpy: 2.7 times faster than bytes.count


def count_byte(data: bytes, byte: bytes) -> int:
    """How many times ``byte`` occurs in ``data`` (numpy, imported only for large data, counts a single byte)."""
    if len(data) < NUMPY_BYTES or len(byte) != 1:
        return data.count(byte)
    import numpy as np
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == ord(byte)))


def _latin_1_alike(block: bytes) -> bool:
    """No byte of ``block`` lies in 0x80-0x9F, the only bytes where Windows-1252 and Latin-1 differ (and the
    five Windows-1252 leaves undefined): Latin-1 then decodes it to the same text, as a plain copy (0.02 s
    against 0.24 s for Python's Windows-1252 codec on 145 MB)."""
    if len(block) < NUMPY_BYTES:
        return not _WINDOWS_ONLY.search(block)
    import numpy as np
    return not np.any((np.frombuffer(block, dtype=np.uint8) & 0xE0) == 0x80)


def read_blocks(file: Path, size: int = BLOCK_BYTES) -> Iterator[bytes]:
    with file.open("rb") as handle:
        while block := handle.read(size):
            yield block


def _first_invalid(blocks: Iterable[bytes], encoding: str = "utf-8") -> int | None:
    """None when all ``blocks`` together are valid ``encoding``, else the offset of the first invalid byte."""
    decoder = codecs.getincrementaldecoder(encoding)()
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
    for bom, name in BOMS:
        if first.startswith(bom):
            return name
    bad = _first_invalid(blocks())
    if bad is None:
        return "utf-8"
    if any(_UTF8_MULTIBYTE.search(block) for block in blocks()):
        if asian := _multibyte(first, blocks):
            return asian
        raise ExtractRejected(f"mixed encodings: the file has UTF-8 text but byte {bad} is not UTF-8; "
                              "re-export the whole file in one encoding", reason="mixed-encoding")
    if _is_cp1252(blocks()):
        return "cp1252"
    best = from_bytes(first[:1_000_000], cp_isolation=FALLBACK_CANDIDATES).best()
    return str(best.encoding) if best is not None else "latin_1"


def _multibyte(first: bytes, blocks: Callable[[], Iterable[bytes]]) -> str | None:
    """The East Asian multi-byte encoding charset-normalizer finds the text coherent in, if the whole data
    decodes in it."""
    best = from_bytes(first[:1_000_000], cp_isolation=MULTIBYTE_CANDIDATES).best()
    if best is None or best.chaos > MAX_CHAOS:  # UTF-8 and Latin-1 mixed read as Big5 is not clean (0.065)
        return None
    return str(best.encoding) if _first_invalid(blocks(), str(best.encoding)) is None else None


def _looks_like(first: bytes, declared: str) -> str:
    """What the text seems to be encoded in, when it is not the declared encoding (for the refusal)."""
    try:
        found = _detect(first, lambda: [first])
    except ExtractRejected as exc:
        return f"; {exc.message}"
    if codecs.lookup(found).name == codecs.lookup(declared).name:
        return ""
    return f"; the file looks like {found} text: re-export it in {declared}, or ask for the mapping's encoding"


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


class TextStream:
    """The text of a file, UTF-8 encoded, in pieces that each end with a line feed (except the last); a
    "\r\n" is never split. Lines are split on "\n" only. A line longer than ``max_line_bytes`` is never
    held whole: it is dropped while it is read, an empty line takes its place (so line numbers stay true), and
    ``long_lines`` says which it was."""

    def __init__(self, encoding: str, chunks: Iterator[bytes], max_line_bytes: int) -> None:
        self.encoding = encoding
        self.limit = max_line_bytes
        self.long_lines: list[tuple[int, str]] = []  # (line number, first characters)
        self.pieces = self._bounded(chunks)

    def take_long_lines(self) -> list[tuple[int, str, str]]:
        """The long lines found so far, as malformed records ``(line, raw text, reason)``; forgotten after."""
        found = [(n, text, f"the line is longer than {self.limit} bytes") for n, text in self.long_lines]
        self.long_lines.clear()
        return found

    def _long(self, line: int, start: bytes) -> None:
        self.long_lines.append((line, start[:800].decode("utf-8", errors="replace")[:200]))

    def _bounded(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        carry: list[bytes] = []  # the start of an incomplete line, at most ``limit`` bytes
        carried = 0
        line = 1  # number of the line the carry belongs to
        skipping = False  # inside a long line: dropped up to its line feed
        for data in chunks:
            position = 0
            out: list[bytes] = []
            if skipping:
                end = data.find(b"\n")
                if end < 0:
                    continue
                out.append(b"\n")
                line, position, skipping = line + 1, end + 1, False
            cut = data.rfind(b"\n", position) + 1
            if cut == 0:  # no line feed: all of it continues the current line
                carry.append(data[position:])
                carried += len(data) - position
                if carried > self.limit:
                    self._long(line, b"".join(carry))
                    carry, carried, skipping = [], 0, True
                if out:
                    yield b"".join(out)
                continue
            first_end = data.find(b"\n", position)
            if carried + first_end - position > self.limit:  # the carried line ends here, too long
                self._long(line, b"".join([*carry, data[position:position + 800]]))
                out.append(b"\n")
                line, position, carry, carried = line + 1, first_end + 1, [], 0
            body = self._inner(data[position:cut], line)
            out += [*carry, body]
            line += count_byte(body, b"\n")
            carry, carried = [data[cut:]], len(data) - cut
            yield b"".join(out)
        if skipping:
            return
        rest = b"".join(carry)
        if len(rest) > self.limit:
            self._long(line, rest)
        elif rest:
            yield rest

    def _inner(self, body: bytes, line: int) -> bytes:
        """``body`` (whole lines) with those longer than the limit replaced by empty lines."""
        if len(body) <= self.limit:
            return body
        import numpy as np  # only when a piece is longer than the line limit
        ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 10)
        lengths = np.diff(ends, prepend=-1) - 1
        if lengths.max(initial=0) <= self.limit:
            return body
        parts, start = [], 0
        for index in np.flatnonzero(lengths > self.limit):
            begin = int(ends[index] - lengths[index])
            self._long(line + int(index), body[begin:begin + 800])
            parts += [body[start:begin], b"\n"]
            start = int(ends[index]) + 1
        parts.append(body[start:])
        return b"".join(parts)


def iter_utf8(file: Path, encoding: str | None, size: int = BLOCK_BYTES,
              max_line_bytes: int = 32 * 1024 * 1024) -> TextStream:
    """The file's text as a ``TextStream``, decoded block by block with the declared or detected encoding.
    Undecodable bytes reject the file with their offset."""
    first = next(read_blocks(file, 1_000_000), b"")
    chosen = _chosen(file, encoding, first, lambda: read_blocks(file, size))
    name = codecs.lookup(chosen).name
    already_utf8 = name == "utf-8"  # validated, passed on as they are
    windows_1252 = name == "cp1252"

    def chunks() -> Iterator[bytes]:
        decoder = codecs.getincrementaldecoder(chosen)()
        start = 0
        for block in itertools.chain(read_blocks(file, size), [b""]):
            pending = len(decoder.getstate()[0])
            try:
                text = block.decode("latin-1") if windows_1252 and _latin_1_alike(block) else \
                    decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                raise ExtractRejected(f"bytes at offset {start - pending + exc.start} are not valid {chosen}"
                                      + _looks_like(first, chosen), reason="encoding", file=file) from None
            start += len(block)
            if already_utf8:
                if block:
                    yield block
            elif text:
                yield text.encode("utf-8")

    return TextStream(chosen, chunks(), max_line_bytes)


def decode(file: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    """Decode ``data`` (a whole file that is read at once); return the text and the encoding used. A wrong
    or undecodable encoding rejects the file with the byte offset."""
    chosen = _chosen(file, encoding, data, lambda: [data])
    try:
        return data.decode(chosen), chosen
    except UnicodeDecodeError as exc:
        raise ExtractRejected(f"bytes at offset {exc.start} are not valid {chosen}" + _looks_like(data, chosen),
                              reason="encoding", file=file) from None
