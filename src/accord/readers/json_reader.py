"""JSON array of objects and NDJSON (one object per line). Nested values are kept as JSON text, and each key of
a nested object is also a column of its own, named by its path: ``{"address": {"city": "Laval"}}`` gives the
columns ``address`` (the object as JSON text) and ``address.city`` (``Laval``).

Every value's JSON type (string, number, boolean, object, array) is kept beside the text
(``RawExtract.json_kinds``), so a mapping can tell the string ``"12"`` from the number ``12``.

Numbers are kept as the agency wrote them (``1.10`` stays ``1.10``; an integer of thousands of digits is
text like any other value, bounded by ``max_field_chars``). A record is malformed, not published, when it is
not valid JSON (``NaN`` and ``Infinity`` included), nests deeper than ``max_json_depth``, or gives the same key
twice in one object (JSON leaves it open which value counts; accord does not guess).

NDJSON is read in batches and lines are split on line feeds only (a U+2028 inside a string is text, not a
line break); its columns are every key seen in the file, so it is read twice: once for the keys, once for the
records. A JSON array is parsed whole, within ``max_json_bytes``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from accord.errors import ExtractRejected
from accord.intake.limits import Limits
from accord.mapping.source_spec import SourceSpec
from accord.readers.base import RawExtract, build_extract, checked_header
from accord.readers.text import BLOCK_BYTES, TextStream, decode, iter_utf8
from accord.reasons import ROW

NDJSON_BATCH_LINES = 50_000
Malformed = list[tuple[int, str, str]]


class _Number(str):
    """A JSON number, as written."""


class _Object(dict[str, Any]):
    duplicated: str | None = None


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                obj.duplicated = key
                break
            seen.add(key)
    return obj


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_int=_Number, parse_float=_Number,
                            parse_constant=_constant)


def _problem(value: Any, max_depth: int) -> str | None:
    """Why a parsed record cannot be used (too deep, a key given twice), or None; iterative, never recursive."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return f"nested deeper than {max_depth} levels"
        if isinstance(item, dict):
            duplicated = getattr(item, "duplicated", None)
            if duplicated is not None:
                return f"the key {duplicated!r} appears more than once in one object"
            stack += [(v, depth + 1) for v in item.values()]
        elif isinstance(item, list):
            stack += [(v, depth + 1) for v in item]
    return None


def _dumps(value: Any) -> str:
    """JSON text of a nested value, numbers as written (depth already bounded)."""
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dumps(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


_PLAIN_KEY = re.compile(r"[^\s.\x00-\x1f][^.\x00-\x1f]*(?<!\s)")


def _flat(obj: dict[str, Any]) -> dict[str, Any]:
    """The record's keys and, for every nested object, its plain keys (not blank, no dot, no control character,
    no space at either end) as ``parent.key``; depth already bounded, and a key written with a dot at the top
    level wins over the same path through objects."""
    flat: dict[str, Any] = {}
    stack = [("", obj)]
    while stack:
        prefix, item = stack.pop()
        for key, value in item.items():
            if prefix and not _PLAIN_KEY.fullmatch(key):
                continue  # still in the object's JSON text, the column of its parent
            name = prefix + key
            flat.setdefault(name, value)
            if isinstance(value, dict) and value:
                stack.append((name + ".", value))
    return flat


def _kind(value: Any) -> str | None:
    """The JSON type of a parsed value (None for null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, _Number):
        return "number"
    if isinstance(value, str):
        return "string"
    return "object" if isinstance(value, dict) else "array"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return str(value)
    return _dumps(value)


def _record(text: str, limits: Limits) -> tuple[dict[str, Any] | None, str]:
    """One JSON object, or None and why not."""
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON at column {exc.colno}: {exc.msg}"
    except RecursionError:
        return None, f"nested deeper than {limits.max_json_depth} levels"
    except ValueError as exc:
        return None, f"invalid JSON: {exc}"
    if not isinstance(value, dict):
        return None, "not a JSON object"
    problem = _problem(value, limits.max_json_depth)
    return (None, problem) if problem else (value, "")


def _assemble(file: Path, names: list[str], objects: list[tuple[int, dict[str, Any]]], malformed: Malformed,
              encoding: str, limits: Limits) -> RawExtract:
    flat = [(row, _flat(obj)) for row, obj in objects]
    records: list[tuple[int, list[str | None]]] = [(row, [_text(obj.get(n)) for n in names]) for row, obj in flat]
    extract = build_extract(file, names, records, malformed, limits, encoding)
    kinds = {name: [_kind(obj.get(name)) for _, obj in flat] for name in names}
    extract.json_kinds = pl.DataFrame({ROW: [row for row, _ in flat], **kinds},
                                      schema={ROW: pl.Int64, **dict.fromkeys(names, pl.String)})
    return extract


def _lines(text: TextStream) -> Iterator[tuple[int, str]]:
    """Non-blank lines, numbered, split on line feeds only."""
    number = 0
    for piece in text.pieces:
        lines = piece.decode("utf-8").split("\n")
        if piece.endswith(b"\n"):
            lines.pop()
        for line in lines:
            number += 1
            if line.strip():
                yield number, line.removesuffix("\r")


def read_ndjson(file: Path, source: SourceSpec, limits: Limits) -> Iterator[RawExtract]:
    keys: dict[str, None] = {}
    first_problem = ""
    scan = iter_utf8(file, source.encoding, BLOCK_BYTES, limits.max_line_bytes)
    for number, line in _lines(scan):
        value, problem = _record(line, limits)
        if value is not None:
            keys.update(dict.fromkeys(_flat(value)))
            if len(keys) > limits.max_columns:
                break
        elif not first_problem:
            first_problem = f"line {number}: {problem}"
    if not keys:
        why = f" ({first_problem})" if first_problem else ""
        raise ExtractRejected(f"the file holds no readable JSON object{why}", reason="no-header", file=file)
    names = checked_header(file, list(keys), limits)
    text = iter_utf8(file, source.encoding, BLOCK_BYTES, limits.max_line_bytes)
    objects: list[tuple[int, dict[str, Any]]] = []
    malformed: Malformed = []
    for number, line in _lines(text):
        value, problem = _record(line, limits)
        if value is None:
            malformed.append((number, line[:200], problem))
        else:
            objects.append((number, value))
        if len(objects) + len(malformed) >= NDJSON_BATCH_LINES:
            yield _assemble(file, names, objects, malformed + text.take_long_lines(), text.encoding, limits)
            objects, malformed = [], []
    yield _assemble(file, names, objects, malformed + text.take_long_lines(), text.encoding, limits)


def read_json(file: Path, source: SourceSpec, limits: Limits) -> RawExtract:
    text, encoding = decode(file, file.read_bytes(), source.encoding)
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise ExtractRejected(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                              reason="format", file=file) from None
    except RecursionError:
        raise ExtractRejected(f"JSON nested deeper than {limits.max_json_depth} levels", reason="format",
                              file=file) from None
    except ValueError as exc:
        raise ExtractRejected(f"invalid JSON: {exc}", reason="format", file=file) from None
    if not isinstance(value, list):
        raise ExtractRejected("a JSON extract must be an array of objects", reason="format", file=file)
    objects = []
    malformed: Malformed = []
    for number, item in enumerate(value, start=1):
        problem = "not a JSON object" if not isinstance(item, dict) else _problem(item, limits.max_json_depth)
        if problem:
            malformed.append((number, _dumps(item)[:200] if not problem.startswith("nested") else "", problem))
        else:
            objects.append((number, item))
    keys: dict[str, None] = {}
    for _, obj in objects:
        keys.update(dict.fromkeys(_flat(obj)))
    return _assemble(file, list(keys), objects, malformed, encoding, limits)
