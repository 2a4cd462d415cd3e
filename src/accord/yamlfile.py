"""Safe YAML loading that remembers the line of every key, so errors can name ``file:line``.

Only the safe loader is used (libyaml's ``CSafeLoader`` when PyYAML has it): no tags, no object
construction. Duplicate keys, which PyYAML would silently collapse, are refused. So are anchors and aliases
(``&a`` / ``*a``): nothing in a contract or mapping needs them, and nested aliases make a 658-byte file
expand to gigabytes ("billion laughs"). A file is read only up to ``MAX_YAML_BYTES``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from accord.errors import AccordError

PathPart = str | int
MAX_YAML_BYTES = 1024 * 1024
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's safe loader (same rules, in C) when built


class _SafeLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The safe loader with YAML 1.2's plain scalars: only ``true``/``false`` are booleans and ``null``/``~``
    empty, so a province ``ON``, an answer ``no`` or a code ``01`` stay the text written (YAML 1.1 reads
    them as true, false and the number 1)."""


_SafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:null")]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()}
_SafeLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                  list("tTfF"))
_SafeLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"),
                                  list("-+0123456789"))
_SafeLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                                  ["~", "n", "N", ""])


def format_path(parts: Sequence[PathPart]) -> str:
    """``("schema", 0, "properties", 2, "name")`` -> ``schema[0].properties[2].name``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


@dataclass
class YamlDocument:
    """Parsed YAML data, its file, and the 1-based line of each key path."""

    file: Path
    data: Any
    lines: dict[tuple[PathPart, ...], int] = field(default_factory=dict)
    columns: dict[tuple[PathPart, ...], int] = field(default_factory=dict)

    def _nearest(self, parts: Sequence[PathPart]) -> tuple[PathPart, ...] | None:
        key = tuple(parts)
        while key and key not in self.lines:
            key = key[:-1]
        return key if key in self.lines else None

    def line(self, parts: Sequence[PathPart]) -> int | None:
        """Line of ``parts`` or of its nearest ancestor that has one."""
        key = self._nearest(parts)
        return None if key is None else self.lines[key]

    def column(self, parts: Sequence[PathPart]) -> int | None:
        """1-based column of the key ``parts`` (or of its nearest ancestor)."""
        key = self._nearest(parts)
        return None if key is None else self.columns.get(key)


def _index(node: yaml.Node, path: tuple[PathPart, ...], lines: dict[tuple[PathPart, ...], int],
           columns: dict[tuple[PathPart, ...], int], file: Path, error: type[AccordError]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    columns.setdefault(path, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            if key in seen:
                raise error(f"duplicate key '{key}'", file=file, line=key_node.start_mark.line + 1,
                            path=format_path(child))
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            columns[child] = key_node.start_mark.column + 1
            _index(value_node, child, lines, columns, file, error)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), lines, columns, file, error)


def _refuse_aliases(text: str, file: Path, error: type[AccordError]) -> None:
    """Refuse anchors and aliases, from the parser's events (one linear pass, nothing built)."""
    try:
        for event in yaml.parse(text, Loader=_SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                line = event.start_mark.line + 1 if event.start_mark else None
                raise error("anchors and aliases (& and *) are not allowed: write the value out in full",
                            file=file, line=line)
    except yaml.MarkedYAMLError:
        return  # the loader reports the syntax error, with its line


def _plain_words(exc: yaml.MarkedYAMLError, text: str) -> str:
    """A YAML syntax error as an analyst can act on it."""
    mark, problem = exc.problem_mark, str(exc.problem or exc)
    line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
    if "\\t" in problem or "\t" in line[: (mark.column + 1) if mark else 0]:
        return ("a tab character is used for indentation: YAML only allows spaces (replace each tab by spaces, "
                "two per level)")
    if "mapping values are not allowed" in problem:
        return (f"invalid YAML: {problem} (a value holding ': ' must be in quotes, or a key is indented under "
                "a line that already has a value)")
    if "could not find expected ':'" in problem or "expected <block end>" in problem:
        return f"invalid YAML: {problem} (check the indentation of this line against the lines above)"
    return f"invalid YAML: {problem}"


def load_yaml(file: Path, error: type[AccordError] = AccordError) -> YamlDocument:
    """Read ``file`` with the safe loader; raise ``error`` naming the file and line on any problem."""
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_YAML_BYTES + 1)
    except FileNotFoundError:
        raise error("file not found", file=file) from None
    except IsADirectoryError:
        raise error("is a folder, not a file", file=file) from None
    if len(raw) > MAX_YAML_BYTES:
        raise error(f"file is larger than {MAX_YAML_BYTES} bytes", file=file)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"not UTF-8 text ({exc.reason})", file=file) from None
    _refuse_aliases(text, file, error)
    loader = _SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise error(_plain_words(exc, text), file=file, line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {exc}", file=file) from None
    finally:
        loader.dispose()
    lines: dict[tuple[PathPart, ...], int] = {}
    columns: dict[tuple[PathPart, ...], int] = {}
    if node is not None:
        _index(node, (), lines, columns, file, error)
    return YamlDocument(file=file, data=data, lines=lines, columns=columns)
