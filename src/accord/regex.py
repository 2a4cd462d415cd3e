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


def anchored(pattern: str) -> bool:
    """The pattern holds the whole value (``^`` first, ``$`` last)."""
    return pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$")


def all_match(values: list[str], pattern: str) -> bool:
    """Every value passes the contract pattern (``pattern_found``)."""
    return bool(pl.select(pattern_found(pl.lit(pl.Series(values, dtype=pl.String)), pattern).all()).item())
