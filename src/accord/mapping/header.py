"""What an extract's header says before any row is mapped: columns the mapping reads that are missing (and the
file's column each most resembles: a renamed column), out of order, or not read at all."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import polars as pl

from accord.mapping.loader import Mapping
from accord.reasons import ROW


def missing_columns(mapping: Mapping, raw: pl.DataFrame) -> list[str]:
    """Source columns the mapping needs that the extract does not have."""
    return [c for c in mapping.spec.required_columns if c not in raw.columns]


def absent_columns(mapping: Mapping, raw: pl.DataFrame) -> list[str]:
    """Source columns the extract may lack and does (``optional`` fields', a JSON file's keys): read as empty."""
    return [c for c in mapping.spec.optional_columns if c not in raw.columns]


def absent_notes(columns: list[str]) -> list[dict[str, str]]:
    """What the report says of each absent optional column, in English and French."""
    return [{"en": f"column {c} is not in the file: read as empty",
             "fr": f"la colonne {c} n'est pas dans le fichier : lue comme vide"} for c in columns]


def misordered_column(mapping: Mapping, raw: pl.DataFrame) -> str | None:
    """With ``column_order: mapping``, the first column the mapping reads that is out of its order in the
    extract (described for the report), else None."""
    if mapping.spec.source.column_order != "mapping":
        return None
    read = [c for c in mapping.spec.source_columns if c in raw.columns]
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
    columns = set(raw.columns)
    # a JSON object's keys are columns too (``address.city`` beside ``address``): one of them read is the
    # object read, and the keys of an object are not named apart from it
    leaves = {c for c in columns if any(p in columns for p in _prefixes(c))}
    read |= {p for c in read for p in _prefixes(c)}
    return [c for c in raw.columns if c not in read and c not in leaves and c != ROW
            and not (joined and c.startswith(joined))]


def _prefixes(column: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``."""
    parts = column.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


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


@dataclass(frozen=True)
class HeaderVerdict:
    """What the header decides: ``refused`` (reason, columns) when no record can be mapped; otherwise the
    columns no target reads (``extra``, named when the mapping says warn) and the optional columns absent."""

    refused: tuple[str, list[str]] | None = None
    similar: dict[str, str] = field(default_factory=dict)  # a missing column -> the unread column like it
    extra: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)


def judge_header(mapping: Mapping, raw: pl.DataFrame) -> HeaderVerdict:
    """The file is refused when columns a target reads are missing, out of order (``column_order: mapping``), or
    when it has columns no target reads and the mapping says ``extra_columns: reject``."""
    targets = [mapping.branch(spec) for spec in mapping.specs] if mapping.branches else [mapping]
    missing = list(dict.fromkeys(c for t in targets for c in missing_columns(t, raw)))
    if missing:
        return HeaderVerdict(("missing-column", missing), similar_columns(targets[0], raw, missing))
    misplaced = next((m for t in targets if (m := misordered_column(t, raw))), None)
    if misplaced:
        return HeaderVerdict(("column-order", [misplaced]))
    policy = mapping.spec.source.extra_columns
    unread = [extra_columns(t, raw) for t in targets] if policy != "ignore" else [[]]
    extra = [c for c in unread[0] if all(c in other for other in unread[1:])]
    if extra and policy == "reject":
        return HeaderVerdict(("extra-column", extra))
    return HeaderVerdict(extra=extra, absent=list(dict.fromkeys(c for t in targets for c in absent_columns(t, raw))))
