"""Row operations of a target, in the order written, on the raw (all-text) records before the fields are
mapped: ``filter`` sets records aside (counted and listed with a reason, never dropped silently), ``explode``
makes one record per part of a cell, ``unpivot`` one record per column of a group. Every record produced keeps
the source row number of the record it comes from, so errors name the line the agency sent, and a source
record is accounted for once: published (all its records are), quarantined (one of them is not) or filtered
(none is left)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from accord.mapping.compile import condition
from accord.mapping.spec import Condition, ExplodeSpec, FilterSpec, MappingSpec, RowOperation, UnpivotSpec
from accord.reasons import ERROR_COLUMNS, ROW, error_frame

FILTERED_COLUMNS = pl.Schema({ROW: pl.Int64(), "reason": pl.String()})


@dataclass(frozen=True)
class ShapedRecords:
    """The records the fields are mapped from, the source records set aside (``_source_row``, reason), and the
    source records refused because their row operations would make too many records (error records,
    ``too-many-records``)."""

    frame: pl.DataFrame
    filtered: pl.DataFrame
    too_many: pl.DataFrame


@dataclass
class RecordBudget:
    """How many records row operations may make: from one source record, from one file (``made`` counts them
    across batches), and at once (a batch whose operations would make more is shaped in slices, each source
    record's records together). Set by the operator (``accord.intake.limits``), never by a mapping."""

    per_record: int = 10_000
    per_file: int = 100_000_000
    at_once: int = 1_000_000
    made: int = 0


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


def _items(text: str | None) -> list[str] | None:
    """A JSON array's items, each as JSON text (None: not an array). The cell is JSON the reader wrote."""
    try:
        value = json.loads(text) if text is not None else None
    except ValueError:
        return None
    return [json.dumps(item, ensure_ascii=False) for item in value] if isinstance(value, list) else None


def _parts(spec: ExplodeSpec) -> pl.Expr:
    """The cell's parts, as a list (a NUL, which no read value holds, marks where a pattern cuts)."""
    if spec.as_json:
        return pl.col(spec.column).map_elements(_items, return_dtype=pl.List(pl.String), skip_nulls=True)
    if spec.pattern is not None:
        return pl.col(spec.column).str.replace_all(spec.pattern, "\x00").str.split("\x00")
    return pl.col(spec.column).str.split(spec.separator or "")


def _item_key(column: str, name: str) -> pl.Expr:
    """``phones.number`` of an exploded JSON item: its key ``number`` (JSON text for an object or array)."""
    key = name.removeprefix(f"{column}.")
    path = f"$.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else "$['" + key.replace("'", "\\'") + "']"
    return pl.col(column).str.json_path_match(path).alias(name)


def _explode(frame: pl.DataFrame, spec: ExplodeSpec, reads: list[str]) -> pl.DataFrame:
    frame = frame.with_columns(_parts(spec))
    if spec.as_json:  # no item: no record (the source record is filtered, with the reason)
        frame = frame.filter(pl.col(spec.column).list.len() > 0)
    exploded = [spec.column]
    if spec.index:
        positions = pl.int_ranges(0, pl.col(spec.column).list.len(), dtype=pl.Int64).list.eval(
            pl.element().cast(pl.String))
        frame = frame.with_columns(positions.alias(spec.index))
        exploded.append(spec.index)
    frame = frame.explode(exploded)
    if spec.as_json:
        return frame.with_columns(_item_key(spec.column, c) for c in reads if c.startswith(f"{spec.column}."))
    return frame.with_columns(pl.col(spec.column).str.strip_chars())


def _filled(column: str, null_tokens: list[str]) -> pl.Expr:
    """True where ``column`` holds a value: not null, not blank, not a null token (what unpivot keeps)."""
    value = pl.col(column).str.strip_chars()
    return value.is_not_null() & ~value.is_in([*null_tokens, ""])


def _unpivot(frame: pl.DataFrame, spec: UnpivotSpec, null_tokens: list[str]) -> pl.DataFrame:
    others = [c for c in frame.columns if c not in spec.columns]
    long = frame.unpivot(on=spec.columns, index=others, variable_name=spec.name, value_name=spec.value)
    if spec.names:
        long = long.with_columns(pl.col(spec.name).replace(spec.names))
    if not spec.keep_empty:
        long = long.filter(_filled(spec.value, null_tokens))
    return long.sort(ROW, maintain_order=True)  # each record's columns in the order given


def _reason(operation: RowOperation, filtered_reason: str | None) -> str:
    if filtered_reason is not None:
        return filtered_reason
    if operation.unpivot is not None:
        return f"no value in any of {', '.join(operation.unpivot.columns)}"
    if operation.explode is not None and operation.explode.as_json:
        return f"no item in {operation.explode.column}"
    return "no part left after explode"


def _made(operation: RowOperation, null_tokens: list[str]) -> pl.Expr | None:
    """How many records ``operation`` makes of each record (None: at most one, a filter)."""
    if operation.explode is not None:
        explode = operation.explode
        if explode.as_json:
            return _parts(explode).list.len().fill_null(0).clip(lower_bound=1)
        cut = explode.pattern or explode.separator or ""
        return pl.col(explode.column).str.count_matches(cut, literal=explode.pattern is None).fill_null(0) + 1
    if operation.unpivot is not None:
        spec = operation.unpivot
        if spec.keep_empty:
            return pl.int_range(pl.len()).clip(0, 0) + len(spec.columns)  # per record, not one value
        return pl.sum_horizontal(_filled(c, null_tokens).cast(pl.Int64) for c in spec.columns)
    return None


def _operation_column(operation: RowOperation) -> str | None:
    if operation.explode is not None:
        return operation.explode.column
    return operation.unpivot.name if operation.unpivot is not None else None


def _too_many(rows: pl.DataFrame, column: str | None, limit: int, per_file: bool) -> pl.DataFrame:
    """Error records for the source records refused (``rows``: ``_source_row``, ``made``)."""
    return pl.DataFrame({ROW: rows.get_column(ROW), "column": column, "rule": "too-many-records",
                         "value": None if per_file else rows.get_column("made").cast(pl.String),
                         "detail": str(limit)}, schema=ERROR_COLUMNS)


def _bounded(frame: pl.DataFrame, operation: RowOperation, made: pl.Expr, budget: RecordBudget,
             ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Count what ``operation`` would make per source record before making it: the records past the limits
    out of ``frame`` (as errors), and the per-source-record counts of the rest (``_source_row``, ``made``)."""
    counts = frame.group_by(ROW, maintain_order=True).agg(made.sum().alias("made"))
    column = _operation_column(operation)
    over = counts.filter(pl.col("made") > budget.per_record)
    counts = counts.filter(pl.col("made") <= budget.per_record)
    room = budget.per_file - budget.made
    past_file = counts.filter(pl.col("made").cum_sum() > room)
    counts = counts.filter(pl.col("made").cum_sum() <= room)
    errors = pl.concat([_too_many(over, column, budget.per_record, False),
                        _too_many(past_file, column, budget.per_file, True)])
    if not errors.is_empty():
        frame = frame.filter(~pl.col(ROW).is_in(errors.get_column(ROW).implode()))
    return frame, counts, errors


def _slices(frame: pl.DataFrame, counts: pl.DataFrame, at_once: int) -> list[pl.DataFrame]:
    """``frame`` cut at source-record boundaries so that each slice makes at most ``at_once`` records."""
    slice_of = counts.select(ROW, (pl.col("made").cum_sum() - 1) // max(at_once, 1)).rename({"made": "_slice"})
    tagged = frame.join(slice_of, on=ROW, how="left", maintain_order="left")
    return [part.drop("_slice") for part in tagged.partition_by("_slice", maintain_order=True)]


def shape(spec: MappingSpec, raw: pl.DataFrame, budget: RecordBudget | None = None) -> Iterator[ShapedRecords]:
    """Apply the target's row operations to a batch of raw records (``_source_row`` + text columns), in slices
    that each make at most ``budget.at_once`` records; every slice's records of one source record together."""
    if not spec.rows:
        yield ShapedRecords(raw, pl.DataFrame(schema=FILTERED_COLUMNS), error_frame([]))
        return
    yield from _shape(spec, raw, 0, budget or RecordBudget())


def _shape(spec: MappingSpec, frame: pl.DataFrame, start: int, budget: RecordBudget) -> Iterator[ShapedRecords]:
    null_tokens = spec.source.null_tokens
    set_aside: list[pl.DataFrame] = []
    refused: list[pl.DataFrame] = []

    def finished(records: pl.DataFrame) -> ShapedRecords:
        filtered = pl.concat(set_aside).sort(ROW) if set_aside else pl.DataFrame(schema=FILTERED_COLUMNS)
        return ShapedRecords(records, filtered, pl.concat(refused) if refused else error_frame([]))

    for position in range(start, len(spec.rows)):
        operation = spec.rows[position]
        made = _made(operation, null_tokens)
        if made is not None:
            frame, counts, errors = _bounded(frame, operation, made, budget)
            refused.append(errors)
            total = int(counts.get_column("made").sum())
            if total > budget.at_once and counts.height > 1:  # shaped slice by slice, never all at once
                for part in _slices(frame, counts, budget.at_once):
                    yield from _shape(spec, part, position, budget)
                yield finished(frame.clear())
                return
            budget.made += total
        before = frame.get_column(ROW).unique()
        reason = None
        if operation.filter is not None:
            frame, reason = _filter(frame, operation.filter, null_tokens)
        elif operation.explode is not None:
            frame = _explode(frame, operation.explode, spec.read_columns)
        elif operation.unpivot is not None:
            frame = _unpivot(frame, operation.unpivot, null_tokens)
        gone = before.filter(~before.is_in(frame.get_column(ROW).unique().implode()))
        if gone.len():
            set_aside.append(pl.DataFrame({ROW: gone, "reason": _reason(operation, reason)},
                                          schema=FILTERED_COLUMNS))
    yield finished(frame)
