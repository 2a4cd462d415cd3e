"""What an extract's header says before any row is mapped: columns the mapping reads that are missing (and the
file's column each most resembles: a renamed column), out of order, or not read at all."""

from __future__ import annotations

import difflib

import polars as pl

from accord.mapping.loader import Mapping
from accord.reasons import ROW


def missing_columns(mapping: Mapping, raw: pl.DataFrame) -> list[str]:
    """Source columns the mapping reads that the extract does not have."""
    return [c for c in mapping.spec.source_columns if c not in raw.columns]


def misordered_column(mapping: Mapping, raw: pl.DataFrame) -> str | None:
    """With ``column_order: mapping``, the first column the mapping reads that is out of its order in the
    extract (described for the report), else None."""
    if mapping.spec.source.column_order != "mapping":
        return None
    read = mapping.spec.source_columns
    found = [c for c in raw.columns if c in read]
    for position, (expected, actual) in enumerate(zip(read, found, strict=False), start=1):
        if expected != actual:
            return f"'{actual}' comes where the mapping reads '{expected}' (column {position} of those it reads)"
    return None


def extra_columns(mapping: Mapping, raw: pl.DataFrame) -> list[str]:
    """Columns of the extract the mapping does not read (accord's own ``_source_row`` and the columns joins
    bring aside), in file order."""
    read = set(mapping.spec.source_columns)
    joined = tuple(j.column_prefix for j in mapping.spec.joins)
    return [c for c in raw.columns if c not in read and c != ROW and not (joined and c.startswith(joined))]


def similar_columns(mapping: Mapping, raw: pl.DataFrame, missing: list[str]) -> dict[str, str]:
    """For each missing column, the extract's unread column it most resembles (``DATE_NAISS`` ->
    ``DATE_NAISSANCE``), when one resembles it enough (difflib ratio 0.6, case ignored)."""
    unread = extra_columns(mapping, raw)
    folded = {c.casefold(): c for c in unread}
    found = {}
    for column in missing:
        close = difflib.get_close_matches(column.casefold(), list(folded), n=1, cutoff=0.6)
        if close:
            found[column] = folded[close[0]]
    return found
