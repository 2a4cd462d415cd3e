"""Whether two file-name patterns (globs, as intake matches them with ``fnmatchcase``) can claim the same file,
and lint's finding when two mapping files of one agency do.

Intake refuses a file two mapping files of one agency claim (``ambiguous``), so lint says it first. A witness
is searched among names built from both patterns: each ``*`` replaced by nothing, by a literal part of either
pattern or by a few plain characters, each ``?`` and ``[...]`` by a character they take. A name found is a
proof; none found after every combination (bounded) is taken as no overlap.
"""

from __future__ import annotations

import itertools
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from accord.errors import MappingError
from accord.findings import Finding
from accord.yamlfile import YamlDocument, format_path, load_yaml

_TOKEN = re.compile(r"\*|\?|\[!?\]?[^\]]*\]|[^*?\[]+")
_PLAIN = ("x", "0", "-", "_", ".")
MAX_NAMES = 4000


def _tokens(pattern: str) -> list[str]:
    return _TOKEN.findall(pattern)


def _literals(pattern: str) -> list[str]:
    return [t for t in _tokens(pattern) if t not in ("*", "?") and not t.startswith("[")]


def _candidates(pattern: str, fillers: list[str]) -> list[list[str]]:
    choices = []
    for part in _tokens(pattern):
        if part == "*":
            choices.append(fillers)
        elif part == "?" or part.startswith("["):
            taken = [c for c in "abcxyz0189-_.ABCXYZ" if fnmatchcase(c, part)]
            choices.append(taken[:3] or ["x"])
        else:
            choices.append([part])
    return choices


def witness(first: str, second: str) -> str | None:
    """A file name both patterns match, or None."""
    fillers = list(dict.fromkeys(["x", *_literals(first), *_literals(second), "", *_PLAIN]))
    for built, other in ((first, second), (second, first)):
        for n, parts in enumerate(itertools.product(*_candidates(built, fillers))):
            if n >= MAX_NAMES:
                break
            name = "".join(parts)
            if name and fnmatchcase(name, built) and fnmatchcase(name, other):
                return name
    return None


def _claimed_pattern(data: Any) -> tuple[tuple[str, ...], str] | None:
    """Where a mapping document says which landing files it claims, and the pattern (None: it says nothing)."""
    if not isinstance(data, dict):
        return None
    for key in ("source", "delivery"):
        block = data.get(key)
        if isinstance(block, dict) and isinstance(block.get("pattern", "*"), str):
            return (key, "pattern"), str(block.get("pattern", "*"))
    return None


def overlap_findings(doc: YamlDocument, instead_of: Path | None) -> list[Finding]:
    """An error when another mapping file of the agency claims files this one claims: intake would refuse
    every such file as ambiguous (the files still load: intake says so of each such file)."""
    found: list[Finding] = []
    mine = _claimed_pattern(doc.data)
    if mine is None:
        return found
    for other in sorted(doc.file.parent.glob("*.yaml")):
        if other.resolve() in (doc.file.resolve(), instead_of.resolve() if instead_of else None):
            continue
        try:
            theirs = _claimed_pattern(load_yaml(other, MappingError).data)
        except MappingError:
            continue  # that file's own lint says why it does not load
        name = witness(mine[1], theirs[1]) if theirs else None
        if name is not None and theirs is not None:
            found.append(Finding(
                str(doc.file), doc.line(mine[0]), format_path(mine[0]),
                f"pattern '{mine[1]}' overlaps pattern '{theirs[1]}' of {other.name}: a file named '{name}' would "
                "match both, and intake refuses such a file as ambiguous", column=doc.column(mine[0]),
                hint="give each mapping file of the agency its own file names"))
    return found
