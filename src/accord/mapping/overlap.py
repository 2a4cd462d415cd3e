"""Whether two file-name patterns (globs, as intake matches them with ``fnmatchcase``) can claim the same file.

Intake refuses a file two mapping files of one agency claim (``ambiguous``), so lint says it first. A witness
is searched among names built from both patterns: each ``*`` replaced by nothing, by a literal part of either
pattern or by a few plain characters, each ``?`` and ``[...]`` by a character they take. A name found is a
proof; none found after every combination (bounded) is taken as no overlap.
"""

from __future__ import annotations

import itertools
import re
from fnmatch import fnmatchcase

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
