"""Logical contract types to physical ones: polars dtypes for the engine, Arrow types for Parquet (and Delta
Lake, which has no time-of-day type: a ``time`` is published as ISO 8601 text, ``HH:MM:SS[.ffffff]``)."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from accord.contracts.model import Contract, Field


def physical_types(field: Field) -> tuple[pl.DataType, pa.DataType]:
    """The (polars, Arrow) pair for a contract field: one table, so the two can never disagree."""
    match field.logical_type:
        case "string":
            return pl.String(), pa.string()
        case "integer":
            return pl.Int64(), pa.int64()
        case "number" if field.is_decimal:
            precision, scale = field.precision or 38, field.scale or 0
            return pl.Decimal(precision, scale), pa.decimal128(precision, scale)
        case "number":
            return pl.Float64(), pa.float64()
        case "boolean":
            return pl.Boolean(), pa.bool_()
        case "date":
            return pl.Date(), pa.date32()
        case "timestamp":
            return pl.Datetime("us", "UTC"), pa.timestamp("us", tz="UTC")
        case "time":  # a time of day; Delta Lake has no time type: published as ISO text, 08:30:00
            return pl.Time(), pa.string()
        case "array" if field.items is not None:  # a Parquet (and Delta) list of the item type
            item_polars, item_arrow = physical_types(field.items)
            return pl.List(item_polars), pa.list_(item_arrow)
    raise ValueError(f"unsupported logical type {field.logical_type!r}")


def polars_dtype(field: Field) -> pl.DataType:
    return physical_types(field)[0]


def arrow_type(field: Field) -> pa.DataType:
    return physical_types(field)[1]


def polars_schema(contract: Contract) -> pl.Schema:
    return pl.Schema({f.name: polars_dtype(f) for f in contract.fields})


def arrow_schema(contract: Contract) -> pa.Schema:
    """The Arrow schema of a published dataset: contract columns (nullability from ``required``)."""
    return pa.schema(
        [pa.field(f.name, arrow_type(f), nullable=not f.required) for f in contract.fields]
    )
