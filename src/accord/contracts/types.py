"""Logical contract types to physical ones: polars dtypes for the engine, Arrow types for Parquet (and Delta
Lake, which has no time-of-day type: a ``time`` is published as ISO 8601 text, ``HH:MM:SS[.ffffff]``).
pyarrow is imported only when an Arrow type is asked for (0.12 s a process that never writes Parquet)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import polars as pl

from accord.contracts.model import Contract, Field

if TYPE_CHECKING:
    import pyarrow as pa

ArrowType = Callable[[Any], "pa.DataType"]  # given the pyarrow module


def physical_types(field: Field) -> tuple[pl.DataType, ArrowType]:
    """The (polars, Arrow) pair for a contract field: one table, so the two can never disagree."""
    match field.logical_type:
        case "string":
            return pl.String(), lambda pa: pa.string()
        case "integer":
            return pl.Int64(), lambda pa: pa.int64()
        case "number" if field.is_decimal:
            precision, scale = field.precision or 38, field.scale or 0
            return pl.Decimal(precision, scale), lambda pa: pa.decimal128(precision, scale)
        case "number":
            return pl.Float64(), lambda pa: pa.float64()
        case "boolean":
            return pl.Boolean(), lambda pa: pa.bool_()
        case "date":
            return pl.Date(), lambda pa: pa.date32()
        case "timestamp":
            return pl.Datetime("us", "UTC"), lambda pa: pa.timestamp("us", tz="UTC")
        case "time":  # a time of day; Delta Lake has no time type: published as ISO text, 08:30:00
            return pl.Time(), lambda pa: pa.string()
        case "array" if field.items is not None:  # a Parquet (and Delta) list of the item type
            item_polars, item_arrow = physical_types(field.items)
            return pl.List(item_polars), lambda pa: pa.list_(item_arrow(pa))
    raise ValueError(f"unsupported logical type {field.logical_type!r}")


def polars_dtype(field: Field) -> pl.DataType:
    return physical_types(field)[0]


def arrow_type(field: Field) -> pa.DataType:
    import pyarrow

    arrow: pa.DataType = physical_types(field)[1](pyarrow)
    return arrow


def polars_schema(contract: Contract) -> pl.Schema:
    return pl.Schema({f.name: polars_dtype(f) for f in contract.fields})


def arrow_schema(contract: Contract) -> pa.Schema:
    """The Arrow schema of a published dataset: contract columns (nullability from ``required``)."""
    import pyarrow

    return pyarrow.schema(
        [pyarrow.field(f.name, arrow_type(f), nullable=not f.required) for f in contract.fields]
    )
