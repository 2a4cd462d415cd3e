"""Compile a mapping into polars expressions and apply it to a raw (all-text) extract.

For every contract field three columns are computed: the typed value, the cleaned source text it came
from (shown to the agency when something is wrong) and an error code when a non-empty source value could
not be turned into a contract value (``unmapped-code``, ``type-error``).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from accord.contracts.model import Field
from accord.contracts.types import polars_dtype
from accord.mapping.loader import Mapping
from accord.mapping.spec import FieldSpec, NumberSpec
from accord.reasons import ERROR_COLUMNS, ROW

_RAW = "__raw__"
_ERR = "__err__"
_DETAIL = "__detail__"
_DEFAULT_DATE_FORMATS = {"date": ["%Y-%m-%d"], "timestamp": ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S"]}
_TRUE = ["true", "1", "yes", "y", "oui", "o"]
_FALSE = ["false", "0", "no", "n", "non"]
_NBSP = ("\u00a0", "\u202f")


@dataclass(frozen=True)
class MappedExtract:
    """Contract-shaped values (plus ``_source_row``), the cleaned source text of each mapped field (what
    the agency sent, for error reports) and the mapping errors found on the way."""

    values: pl.DataFrame
    source_text: pl.DataFrame
    errors: pl.DataFrame

    def with_source_values(self, errors: pl.DataFrame) -> pl.DataFrame:
        """Replace the ``value`` of error records by the text the agency sent for that row and column."""
        if errors.is_empty():
            return errors
        sent = self.source_text.unpivot(index=ROW, variable_name="column", value_name="_sent")
        joined = errors.join(sent, on=[ROW, "column"], how="left", maintain_order="left")
        return joined.with_columns(pl.coalesce("_sent", "value").alias("value")).drop("_sent")


def _clean(expr: pl.Expr, spec: FieldSpec, null_tokens: list[str]) -> pl.Expr:
    if spec.trim:
        expr = expr.str.strip_chars()
    tokens = [*null_tokens, *spec.null_tokens]
    if tokens:
        expr = pl.when(expr.is_in(tokens)).then(None).otherwise(expr)
    return expr


def _source(spec: FieldSpec, null_tokens: list[str]) -> pl.Expr:
    if spec.from_ is not None:
        return _clean(pl.col(spec.from_), spec, null_tokens)
    if spec.concat is not None:
        parts = [_clean(pl.col(c), spec, null_tokens) for c in spec.concat.columns]
        joined = pl.concat_str(parts, separator=spec.concat.separator, ignore_nulls=True)
        return pl.when(joined == "").then(None).otherwise(joined)
    constant = spec.constant
    text = ("true" if constant else "false") if isinstance(constant, bool) else str(constant)
    return pl.lit(text, dtype=pl.String)


def _case(expr: pl.Expr, case: str | None) -> pl.Expr:
    if case == "upper":
        return expr.str.to_uppercase()
    if case == "lower":
        return expr.str.to_lowercase()
    if case == "title":
        return expr.str.to_titlecase()
    return expr


def _codes(expr: pl.Expr, spec: FieldSpec) -> pl.Expr:
    codes = spec.codes
    if codes is None:
        return expr
    mapping = codes.map
    if codes.ignore_case:
        mapping = {k.casefold(): v for k, v in mapping.items()}
        expr = expr.str.to_lowercase()
    if codes.unmapped == "keep":
        return expr.replace(mapping)
    return expr.replace_strict(mapping, default=None, return_dtype=pl.String)


def _plain_number(expr: pl.Expr, number: NumberSpec | None) -> pl.Expr:
    """Agency number text -> plain ``-1234.5`` text."""
    number = number or NumberSpec()
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


def _typed(expr: pl.Expr, field: Field, spec: FieldSpec) -> pl.Expr:
    """Parse text into the contract type; null where it cannot be parsed."""
    dtype = polars_dtype(field)
    match field.logical_type:
        case "string":
            return expr
        case "date" | "timestamp":
            formats = spec.date.formats if spec.date else _DEFAULT_DATE_FORMATS[field.logical_type]
            if field.logical_type == "date":
                return pl.coalesce([expr.str.strptime(pl.Date, f, strict=False) for f in formats])
            return pl.coalesce([_timestamp(expr, f, field.default_timezone) for f in formats])
        case "integer":
            plain = _plain_number(expr, spec.number)
            return pl.when(plain.str.contains(r"^[+-]?\d+$")).then(plain).cast(dtype, strict=False)
        case "number":
            plain = _plain_number(expr, spec.number)
            digits = rf"\d{{1,{field.scale}}}" if field.is_decimal and field.scale else r"\d+"
            ok = plain.str.contains(rf"^[+-]?\d+(\.{digits})?$")
            return pl.when(ok).then(plain).cast(dtype, strict=False)
        case "boolean":
            lowered = expr.str.to_lowercase()
            return (pl.when(lowered.is_in(_TRUE)).then(pl.lit(True))
                    .when(lowered.is_in(_FALSE)).then(pl.lit(False))
                    .otherwise(pl.lit(None, dtype=pl.Boolean)))
    raise ValueError(f"unsupported logical type {field.logical_type!r}")


def _field_columns(field: Field, spec: FieldSpec, null_tokens: list[str]) -> list[pl.Expr]:
    raw = _source(spec, null_tokens)
    coded = _codes(_case(raw, spec.case), spec)
    value = _typed(coded, field, spec)
    quarantine_unmapped = spec.codes is not None and spec.codes.unmapped == "quarantine"
    unmapped = raw.is_not_null() & coded.is_null() & pl.lit(quarantine_unmapped)
    untyped = coded.is_not_null() & value.is_null()
    error = (pl.when(unmapped).then(pl.lit("unmapped-code"))
             .when(untyped).then(pl.lit("type-error"))
             .otherwise(pl.lit(None, dtype=pl.String)))
    known_codes = ", ".join(spec.codes.map) if spec.codes else ""
    detail = pl.when(unmapped).then(pl.lit(known_codes)).otherwise(pl.lit(field.logical_type))
    return [value.alias(field.name), raw.alias(_RAW + field.name), error.alias(_ERR + field.name),
            detail.alias(_DETAIL + field.name)]


def apply_mapping(mapping: Mapping, raw: pl.DataFrame) -> MappedExtract:
    """Map a raw extract (string columns + ``_source_row``) onto the contract.

    The caller checks beforehand that every source column exists (see ``missing_columns``).
    """
    contract = mapping.contract
    null_tokens = mapping.spec.source.null_tokens
    exprs: list[pl.Expr] = [pl.col(ROW)]
    for field in contract.fields:
        spec = mapping.spec.fields.get(field.name)
        if spec is None:
            exprs.append(pl.lit(None, dtype=polars_dtype(field)).alias(field.name))
        else:
            exprs.extend(_field_columns(field, spec, null_tokens))
    wide = raw.lazy().select(exprs).collect()
    errors = [
        wide.filter(pl.col(_ERR + name).is_not_null()).select(
            pl.col(ROW),
            pl.lit(name).alias("column"),
            pl.col(_ERR + name).alias("rule"),
            pl.col(_RAW + name).cast(pl.String).alias("value"),
            pl.col(_DETAIL + name).alias("detail"),
        )
        for field in contract.fields
        if (name := field.name) in mapping.spec.fields
    ]
    error_frame = pl.concat(errors) if errors else pl.DataFrame(schema=ERROR_COLUMNS)
    mapped_names = [f.name for f in contract.fields if f.name in mapping.spec.fields]
    source_text = wide.select(ROW, *(pl.col(_RAW + n).cast(pl.String).alias(n) for n in mapped_names))
    return MappedExtract(values=wide.select(ROW, *contract.field_names), source_text=source_text,
                         errors=error_frame)


def missing_columns(mapping: Mapping, raw: pl.DataFrame) -> list[str]:
    """Source columns the mapping reads that the extract does not have."""
    return [c for c in mapping.spec.source_columns if c not in raw.columns]
