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


def all_match(values: list[str], pattern: str) -> bool:
    """Every value matches ``pattern`` in full."""
    return bool(pl.Series(values, dtype=pl.String).str.contains(f"^(?:{pattern})$").all())
