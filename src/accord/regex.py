"""One regular-expression engine everywhere: Rust's ``regex`` crate, through polars. It runs in time linear in
the text, whatever the pattern (no look-around, no back-references, hence no catastrophic backtracking on an
agency's value), and it is the engine the row rules use, so lint accepts exactly what will run."""

from __future__ import annotations

import polars as pl


def regex_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot run in the row-rule engine, or None."""
    try:
        pl.select(pl.lit("").str.contains(pattern))
    except pl.exceptions.PolarsError as exc:
        first = str(exc).strip().splitlines()
        return first[0] if first else "invalid regular expression"
    return None


def pattern_found(values: pl.Expr, pattern: str) -> pl.Expr:
    """A contract pattern's meaning: JSON Schema's (and so ODCS's), the pattern is **searched** in the value,
    anywhere; ``^…$`` in the pattern makes it the whole value. Row rules, dataset rules and ``suggest`` use it."""
    return values.str.contains(pattern)


def _top_level_alternation(pattern: str) -> bool:
    """Whether ``pattern`` has a ``|`` outside any group or character class (``^a|b$`` is ``^a`` or ``b$``)."""
    depth, index, in_class = 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            index += 2 if pattern[index + 1:index + 2] == "]" else 1  # a ']' first in a class is literal
            continue
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            return True
        index += 1
    return False


def anchored(pattern: str) -> bool:
    """The pattern can only match a whole value: ``^`` first, an unescaped ``$`` last, no top-level ``|``."""
    body = pattern[:-1]
    backslashes = len(body) - len(body.rstrip("\\"))
    return (pattern.startswith("^") and pattern.endswith("$") and backslashes % 2 == 0
            and not _top_level_alternation(pattern))


def all_match(values: list[str], pattern: str) -> bool:
    """Every value passes the contract pattern (``pattern_found``)."""
    return bool(pl.select(pattern_found(pl.lit(pl.Series(values, dtype=pl.String)), pattern).all()).item())
