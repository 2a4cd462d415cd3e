"""JSON sources mean JSON: a field read straight from a JSON value (``from``, no step) takes the value only when
its JSON type is the one the contract type is written in. The string ``"12"`` for an integer, the number ``12``
for text, ``true`` for a date: each is a ``type-error`` naming the JSON type sent.

A mapping says otherwise explicitly: ``source.json_types: coerce`` reads every value's text as the contract
type (as for a CSV file), and any step on a field (a date format, a code map, ...) is a reading the mapping
declares, so that field is not held to the JSON type either. Columns an explode or unpivot makes or splits
are not JSON values any more and are not checked.
"""

from __future__ import annotations

import polars as pl

from accord.mapping.loader import Mapping
from accord.mapping.spec import JSON_FORMATS
from accord.reasons import ERROR_COLUMNS, ROW

JSON_KIND = {"string": "string", "date": "string", "time": "string", "timestamp": "string", "integer": "number",
             "number": "number", "boolean": "boolean", "array": "array"}


def strict_columns(mapping: Mapping) -> dict[str, tuple[str, str, str]]:
    """Field -> (the JSON column it reads, the JSON type it wants, the contract type), for the fields held to
    their JSON type."""
    spec = mapping.spec
    if spec.source.format not in JSON_FORMATS or spec.source.json_types == "coerce":
        return {}
    reshaped = {c for op in spec.rows if op.explode is not None or op.unpivot is not None
                for c in [*op.reads, *op.produces]}
    held = {}
    for field in mapping.contract.fields:
        entry = spec.fields.get(field.name)
        if entry is None or entry.from_ is None or entry.steps or entry.from_ in reshaped:
            continue
        if field.logical_type in JSON_KIND:
            held[field.name] = (entry.from_, JSON_KIND[field.logical_type], field.type_label)
    return held


def json_type_errors(mapping: Mapping, kinds: pl.DataFrame | None, frame: pl.DataFrame) -> pl.DataFrame:
    """The ``type-error`` records of ``frame``'s records (mapped rows: ``_source_row`` and the source columns)
    whose JSON value is of another type than its field's; ``kinds``: the extract's ``json_kinds``."""
    held = strict_columns(mapping) if kinds is not None else {}
    parts = []
    for name, (column, wanted, label) in held.items():
        if column not in frame.columns or column not in kinds.columns:  # type: ignore[union-attr]
            continue
        sent = kinds.lazy().select(ROW, pl.col(column).alias("_kind"))  # type: ignore[union-attr]
        wrong = sent.filter(pl.col("_kind").is_not_null() & (pl.col("_kind") != wanted))
        parts.append(frame.lazy().select(ROW, pl.col(column).alias("value")).join(wrong, on=ROW, how="inner")
                     .select(ROW, pl.lit(name).alias("column"), pl.lit("type-error").alias("rule"), "value",
                             pl.format(f"{label} [JSON {wanted}, {{}} sent]", "_kind").alias("detail")))
    if not parts:
        return pl.DataFrame(schema=ERROR_COLUMNS)
    return pl.concat(parts).unique(maintain_order=True).collect().cast(dict(ERROR_COLUMNS))  # type: ignore[arg-type]
