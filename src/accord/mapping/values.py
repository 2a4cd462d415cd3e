"""Text to the contract's types, as polars expressions: numbers (thousands, decimal comma, units, exact or
rounded), dates, times and timestamps in the mapping's formats (or Excel's day numbers), booleans, and lists of
items. A value that cannot be read becomes null, which ``compile`` reports as a ``type-error``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from accord.contracts.model import Field
from accord.contracts.types import polars_dtype
from accord.mapping.spec import JSON_FORMATS, FieldSpec, ItemsSpec
from accord.mapping.steps import NumberSpec

DEFAULT_DATE_FORMATS = {"date": ["%Y-%m-%d"], "timestamp": ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S"],
                         "time": ["%H:%M:%S%.f", "%H:%M"]}
_TRUE = ["true", "1", "yes", "y", "oui", "o"]
_FALSE = ["false", "0", "no", "n", "non"]
_NBSP = ("\u00a0", "\u202f")
_JSON_SCALAR = (r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"'
                r"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")
_JSON_ARRAY = rf"^\s*\[\s*(?:(?:{_JSON_SCALAR})(?:\s*,\s*(?:{_JSON_SCALAR}))*)?\s*\]\s*$"  # of scalars only
_JSON_SOURCES = ("json", "ndjson", "parquet")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def _plain_number(expr: pl.Expr, number: NumberSpec | None) -> pl.Expr:
    """Agency number text -> plain ``-1234.5`` text."""
    number = number or NumberSpec.model_validate({})
    if number.thousands:
        expr = expr.str.replace_all(number.thousands, "", literal=True)
        if number.thousands == " ":
            for space in _NBSP:
                expr = expr.str.replace_all(space, "", literal=True)
    if number.decimal == ",":
        expr = expr.str.replace(",", ".", literal=True)
    return expr


def _timestamp(expr: pl.Expr, fmt: str, default_timezone: str) -> pl.Expr:
    """Parse to a UTC timestamp: values with an offset (``%z``) keep it, others are local time in the
    contract's ``defaultTimezone``; a local time that does not exist or is ambiguous there (daylight-saving
    changes) is not guessed: it becomes a type error."""
    if "%z" in fmt:
        zulu = expr.str.replace(r"[Zz]$", "+00:00")  # ISO 8601 "Z" is an offset chrono's %z does not read
        return zulu.str.to_datetime(fmt, strict=False, time_unit="us").dt.convert_time_zone("UTC")
    naive = expr.str.to_datetime(fmt, strict=False, time_unit="us")
    local = naive.dt.replace_time_zone(default_timezone, ambiguous="null", non_existent="null")
    return local.dt.convert_time_zone("UTC")


def _excel_serial(expr: pl.Expr) -> pl.Expr:
    """Excel's day number (1900 date system, as Excel counts it: day 60 is the phantom 29 February 1900)."""
    days = pl.when(expr.str.contains(r"^\d{1,7}(\.0+)?$")).then(expr).cast(pl.Float64, strict=False)
    usable = (days >= 61) & (days <= 2958465)  # 1900-03-01 .. 9999-12-31
    return pl.when(usable).then(pl.lit(EXCEL_EPOCH) + pl.duration(days=days.cast(pl.Int64)))


def _scaled(plain: pl.Expr, factor: Decimal, dtype: pl.DataType, decimals: int | None = None) -> pl.Expr:
    """Unit conversion done in exact decimals; a result that does not fit the contract type exactly is a type
    error, never rounded, unless ``decimals`` says to round it (half away from zero) to that many first."""
    ok = plain.str.contains(r"^[+-]?\d+(\.\d+)?$")
    exact = pl.when(ok).then(plain).cast(pl.Decimal(38, 12), strict=False) * pl.lit(factor, dtype=pl.Decimal(38, 12))
    if decimals is not None:
        exact = exact.round(decimals, mode="half_away_from_zero")
    converted = exact.cast(dtype, strict=False)
    return pl.when(converted.cast(pl.Decimal(38, 12), strict=False) == exact).then(converted)


def _array(expr: pl.Expr, field: Field, item: Field, spec: FieldSpec, source_format: str) -> pl.Expr:
    """A cell to the list of its items, each trimmed and read as the item type; null when the cell is not a
    list (a JSON cell that is not a flat JSON array) or when any item is empty or unreadable: a type error
    for the whole value, whose text the report shows."""
    items_spec = spec.items or ItemsSpec.model_validate({})
    as_json = items_spec.as_json if items_spec.as_json is not None else source_format in _JSON_SOURCES
    if as_json:
        parts = pl.when(expr.str.contains(_JSON_ARRAY)).then(expr).str.json_decode(pl.List(pl.String))
    else:
        parts = expr.str.split(items_spec.separator)
    cleaned = parts.list.eval(pl.element().str.strip_chars().replace("", None))
    typed = cleaned.list.eval(typed_value(pl.element(), item, spec, source_format))
    readable = typed.list.eval(pl.element().is_null().not_()).list.all()
    return pl.when(readable).then(typed)


def date_formats(field: Field, spec: FieldSpec) -> list[str]:
    """The formats a date, time or timestamp field is read with: its date step's, else the defaults."""
    date = spec.setting("date")
    return date.effective_formats if date else DEFAULT_DATE_FORMATS[field.logical_type]


def _number(expr: pl.Expr, field: Field, number: NumberSpec | None, dtype: pl.DataType) -> pl.Expr:
    """Number text to the contract type: exact (a value with more decimals than a decimal field's scale, or a
    fraction for an integer, is refused, never rounded) unless the mapping says ``round``."""
    plain = _plain_number(expr, number)
    if number is not None and number.multiply is not None:
        return _scaled(plain, Decimal(number.multiply), dtype, number.round)
    if number is not None and number.round is not None:
        return _scaled(plain, Decimal(1), dtype, number.round)
    if field.logical_type == "integer":
        return pl.when(plain.str.contains(r"^[+-]?\d+$")).then(plain).cast(dtype, strict=False)
    # an exponent is a number too (Table Schema, JSON): 1E3, 2.5e-2
    value = pl.when(plain.str.contains(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")).then(plain)
    if not field.is_decimal:
        return value.cast(dtype, strict=False)
    wide = pl.Decimal(38, max(18, field.scale or 0))
    exact = value.cast(wide, strict=False)
    converted = exact.cast(dtype, strict=False)
    return pl.when(converted.cast(wide, strict=False) == exact).then(converted)


def typed_value(expr: pl.Expr, field: Field, spec: FieldSpec, source_format: str) -> pl.Expr:
    """Parse text into the contract type; null where it cannot be parsed."""
    dtype = polars_dtype(field)
    match field.logical_type:
        case "array" if field.items is not None:
            return _array(expr, field, field.items, spec, source_format)
        case "string":
            return expr
        case "date":
            date = spec.setting("date")
            tries = [expr.str.strptime(pl.Date, f, strict=False) for f in date_formats(field, spec)]
            if date is not None and date.excel_serial:
                tries.append(_excel_serial(expr))
            return pl.coalesce(tries)
        case "time":
            return pl.coalesce([expr.str.strptime(pl.Time, f, strict=False) for f in date_formats(field, spec)])
        case "timestamp":
            return pl.coalesce([_timestamp(expr, f, field.default_timezone) for f in date_formats(field, spec)])
        case "integer" | "number":
            number = spec.setting("number")
            if field.logical_type == "integer" and number is None and source_format in JSON_FORMATS:
                expr = expr.str.replace(r"^([+-]?\d+)\.0+$", "$1")  # JSON's integer 12.0 is the integer 12
            return _number(expr, field, number, dtype)
        case "boolean":
            lowered = expr.str.to_lowercase()
            boolean = spec.setting("boolean")
            true = [t.lower() for t in boolean.true] if boolean else _TRUE
            false = [f.lower() for f in boolean.false] if boolean else _FALSE
            return (pl.when(lowered.is_in(true)).then(pl.lit(True))
                    .when(lowered.is_in(false)).then(pl.lit(False))
                    .otherwise(pl.lit(None, dtype=pl.Boolean)))
    raise ValueError(f"unsupported logical type {field.logical_type!r}")
