"""Logical contract types to physical ones: polars dtypes for the engine, Arrow types for Parquet."""

from __future__ import annotations

import polars as pl
import pyarrow as pa

from accord.contracts.model import Contract, Field


def polars_dtype(field: Field) -> pl.DataType:
    match field.logical_type:
        case "string":
            return pl.String()
        case "integer":
            return pl.Int64()
        case "number":
            if field.is_decimal:
                return pl.Decimal(field.precision or 38, field.scale or 0)
            return pl.Float64()
        case "boolean":
            return pl.Boolean()
        case "date":
            return pl.Date()
        case "timestamp":
            return pl.Datetime("us", "UTC")
    raise ValueError(f"unsupported logical type {field.logical_type!r}")


def arrow_type(field: Field) -> pa.DataType:
    match field.logical_type:
        case "string":
            return pa.string()
        case "integer":
            return pa.int64()
        case "number":
            if field.is_decimal:
                return pa.decimal128(field.precision or 38, field.scale or 0)
            return pa.float64()
        case "boolean":
            return pa.bool_()
        case "date":
            return pa.date32()
        case "timestamp":
            return pa.timestamp("us", tz="UTC")
    raise ValueError(f"unsupported logical type {field.logical_type!r}")


def polars_schema(contract: Contract) -> pl.Schema:
    return pl.Schema({f.name: polars_dtype(f) for f in contract.fields})


def arrow_schema(contract: Contract) -> pa.Schema:
    """The Arrow schema of a published dataset: contract columns (nullability from ``required``)."""
    return pa.schema(
        [pa.field(f.name, arrow_type(f), nullable=not f.required) for f in contract.fields]
    )
