"""Row operations of a target, in the order written, on the raw (all-text) records before the fields are
mapped: ``filter`` sets records aside (counted and listed with a reason, never dropped silently), ``explode``
makes one record per part of a cell, ``unpivot`` one record per column of a group. Every record produced keeps
the source row number of the record it comes from, so errors name the line the agency sent, and a source
record is accounted for once: published (all its records are), quarantined (one of them is not) or filtered
(none is left)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from accord.mapping.compile import condition
from accord.mapping.spec import Condition, FilterSpec, MappingSpec, RowOperation, UnpivotSpec
from accord.reasons import ROW

FILTERED_COLUMNS = pl.Schema({ROW: pl.Int64(), "reason": pl.String()})


@dataclass(frozen=True)
class ShapedRecords:
    """The records the fields are mapped from, and the source records set aside (``_source_row``, reason)."""

    frame: pl.DataFrame
    filtered: pl.DataFrame


def describe(cond: Condition) -> str:
    """A condition in words, for the report: ``STATUT = 'ACTIF'``, ``not (TYPE in [A, B])``."""
    if cond.all_ is not None:
        return " and ".join(f"({describe(c)})" for c in cond.all_)
    if cond.any_ is not None:
        return " or ".join(f"({describe(c)})" for c in cond.any_)
    if cond.not_ is not None:
        return f"not ({describe(cond.not_)})"
    if cond.equals is not None:
        return f"{cond.column} = '{cond.equals}'"
    if cond.in_ is not None:
        return f"{cond.column} in [{', '.join(cond.in_)}]"
    if cond.matches is not None:
        return f"{cond.column} matches {cond.matches}"
    return f"{cond.column} is {'empty' if cond.is_null else 'not empty'}"


def _filter(frame: pl.DataFrame, spec: FilterSpec, null_tokens: list[str]) -> tuple[pl.DataFrame, str]:
    test = condition(spec.condition, null_tokens)
    keep = test if spec.keep_if is not None else ~test
    words = describe(spec.condition)
    reason = spec.reason or (f"kept only where {words}" if spec.keep_if is not None else f"dropped where {words}")
    return frame.filter(keep), reason


def _explode(frame: pl.DataFrame, column: str, separator: str) -> pl.DataFrame:
    parts = pl.col(column).str.split(separator)
    return frame.with_columns(parts).explode(column).with_columns(pl.col(column).str.strip_chars())


def _unpivot(frame: pl.DataFrame, spec: UnpivotSpec, null_tokens: list[str]) -> pl.DataFrame:
    others = [c for c in frame.columns if c not in spec.columns]
    long = frame.unpivot(on=spec.columns, index=others, variable_name=spec.name, value_name=spec.value)
    if spec.names:
        long = long.with_columns(pl.col(spec.name).replace(spec.names))
    if not spec.keep_empty:
        value = pl.col(spec.value).str.strip_chars()
        long = long.filter(value.is_not_null() & ~value.is_in([*null_tokens, ""]))
    return long.sort(ROW, maintain_order=True)  # each record's columns in the order given


def _reason(operation: RowOperation, filtered_reason: str | None) -> str:
    if filtered_reason is not None:
        return filtered_reason
    if operation.unpivot is not None:
        return f"no value in any of {', '.join(operation.unpivot.columns)}"
    return "no part left after explode"


def shape(spec: MappingSpec, raw: pl.DataFrame) -> ShapedRecords:
    """Apply the target's row operations to a batch of raw records (``_source_row`` + text columns)."""
    if not spec.rows:
        return ShapedRecords(raw, pl.DataFrame(schema=FILTERED_COLUMNS))
    null_tokens = spec.source.null_tokens
    frame = raw
    set_aside: list[pl.DataFrame] = []
    for operation in spec.rows:
        before = frame.get_column(ROW).unique()
        reason = None
        if operation.filter is not None:
            frame, reason = _filter(frame, operation.filter, null_tokens)
        elif operation.explode is not None:
            frame = _explode(frame, operation.explode.column, operation.explode.separator)
        elif operation.unpivot is not None:
            frame = _unpivot(frame, operation.unpivot, null_tokens)
        gone = before.filter(~before.is_in(frame.get_column(ROW).unique().implode()))
        if gone.len():
            set_aside.append(pl.DataFrame({ROW: gone, "reason": _reason(operation, reason)},
                                          schema=FILTERED_COLUMNS))
    filtered = pl.concat(set_aside).sort(ROW) if set_aside else pl.DataFrame(schema=FILTERED_COLUMNS)
    return ShapedRecords(frame, filtered)
