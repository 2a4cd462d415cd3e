"""JSON array of objects and NDJSON (one object per line). Nested values are kept as JSON text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from accord.errors import ExtractRejected
from accord.intake.limits import Limits
from accord.mapping.spec import SourceSpec
from accord.readers.base import RawExtract, build_extract
from accord.readers.text import decode


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _assemble(file: Path, objects: list[tuple[int, dict[str, Any]]], malformed: list[tuple[int, str, str]],
              encoding: str, limits: Limits) -> RawExtract:
    header: dict[str, None] = {}
    for _, obj in objects:
        header.update(dict.fromkeys(obj))
    names = list(header)
    records: list[tuple[int, list[str | None]]] = [(row, [_text(obj.get(n)) for n in names]) for row, obj in objects]
    return build_extract(file, names, records, malformed, limits, encoding)


def read_ndjson(file: Path, source: SourceSpec, limits: Limits) -> RawExtract:
    text, encoding = decode(file, file.read_bytes(), source.encoding)
    objects: list[tuple[int, dict[str, Any]]] = []
    malformed: list[tuple[int, str, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            malformed.append((number, line[:200], f"invalid JSON at column {exc.colno}: {exc.msg}"))
            continue
        except RecursionError:
            malformed.append((number, line[:200], "JSON nested too deeply"))
            continue
        if not isinstance(value, dict):
            malformed.append((number, line[:200], "not a JSON object"))
            continue
        objects.append((number, value))
    return _assemble(file, objects, malformed, encoding, limits)


def read_json(file: Path, source: SourceSpec, limits: Limits) -> RawExtract:
    text, encoding = decode(file, file.read_bytes(), source.encoding)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExtractRejected(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}",
                              reason="format", file=file) from None
    except RecursionError:
        raise ExtractRejected("JSON nested too deeply", reason="format", file=file) from None
    if not isinstance(value, list):
        raise ExtractRejected("a JSON extract must be an array of objects", reason="format", file=file)
    objects = []
    malformed: list[tuple[int, str, str]] = []
    for number, item in enumerate(value, start=1):
        if isinstance(item, dict):
            objects.append((number, item))
        else:
            malformed.append((number, json.dumps(item)[:200], "not a JSON object"))
    return _assemble(file, objects, malformed, encoding, limits)
