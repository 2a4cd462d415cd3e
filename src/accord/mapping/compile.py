"""Compile a mapping into polars expressions and apply it to a raw (all-text) extract.

For every contract field: the cleaned source text (shown to the agency when something is wrong), the coded
text, the typed value, and an error code when a non-empty source value could not be turned into a contract
value (``unmapped-code``, ``type-error``).
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from dataclasses import dataclass

import polars as pl

from accord.contracts.model import Field
from accord.contracts.types import polars_dtype
from accord.mapping.loader import Mapping
from accord.mapping.spec import Condition, FieldSpec, IdSpec, ValueRef
from accord.mapping.steps import PARSE_STEPS, CodesSpec, ReplaceSpec, Step
from accord.mapping.templates import template_expr
from accord.mapping.values import DEFAULT_DATE_FORMATS, date_formats, typed_value
from accord.reasons import ERROR_COLUMNS, ROW

_RAW = "__raw__"
_CODED = "__coded__"
_ERR = "__err__"


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
        rows = self.source_text.filter(pl.col(ROW).is_in(errors.get_column(ROW).unique().implode()))
        sent = rows.unpivot(index=ROW, variable_name="column", value_name="_sent")
        joined = errors.join(sent, on=[ROW, "column"], how="left", maintain_order="left")
        return joined.with_columns(pl.coalesce("_sent", "value").alias("value")).drop("_sent")


def _clean(expr: pl.Expr, spec: FieldSpec, null_tokens: list[str]) -> pl.Expr:
    if spec.trim:
        expr = expr.str.strip_chars()
    tokens = list(dict.fromkeys([*null_tokens, *spec.null_tokens]))
    if tokens:  # as when(is_in).then(None).otherwise(expr), without computing expr twice: 0.10 s against 0.17 s
        expr = expr.replace(tokens, None)
    return expr


def _literal(value: str | int | float | bool | None) -> pl.Expr:
    return pl.lit(None if value is None else code_text(value), dtype=pl.String)


def _ref(ref: ValueRef, spec: FieldSpec, null_tokens: list[str]) -> pl.Expr:
    if ref.from_ is not None:
        return _clean(pl.col(ref.from_), spec, null_tokens)
    return _literal(ref.constant)


def _condition(cond: Condition, spec: FieldSpec, null_tokens: list[str]) -> pl.Expr:
    if cond.all_ is not None:
        return pl.all_horizontal([_condition(c, spec, null_tokens) for c in cond.all_])
    if cond.any_ is not None:
        return pl.any_horizontal([_condition(c, spec, null_tokens) for c in cond.any_])
    if cond.not_ is not None:
        return ~_condition(cond.not_, spec, null_tokens)
    value = _clean(pl.col(cond.column or ""), spec, null_tokens)
    if cond.equals is not None:
        return (value == cond.equals).fill_null(False)
    if cond.in_ is not None:
        return value.is_in(cond.in_).fill_null(False)
    if cond.matches is not None:
        return value.str.contains(cond.matches).fill_null(False)
    return value.is_null() if cond.is_null else value.is_not_null()


def condition(cond: Condition, null_tokens: list[str]) -> pl.Expr:
    """A condition over the extract's columns, trimmed and with ``null_tokens`` applied (row operations)."""
    return _condition(cond, FieldSpec.model_validate({"constant": ""}), null_tokens)


def _template(spec: FieldSpec, null_tokens: list[str]) -> pl.Expr:
    return template_expr(spec.template or "", lambda name: _clean(pl.col(name), spec, null_tokens))


def _stable_id(spec: FieldSpec, ident: IdSpec, null_tokens: list[str]) -> pl.Expr:
    values = [_clean(pl.col(c), spec, null_tokens) for c in ident.columns]
    joined = pl.concat_str([v.fill_null("") for v in values], separator="\x1f")
    namespace = uuid.UUID(ident.namespace)

    def digest(texts: pl.Series) -> pl.Series:
        if ident.method == "uuid5":
            return pl.Series([str(uuid.uuid5(namespace, t)) for t in texts], dtype=pl.String)
        return pl.Series([hashlib.sha256(t.encode()).hexdigest() for t in texts], dtype=pl.String)

    made = joined.map_batches(digest, return_dtype=pl.String)
    return pl.when(pl.any_horizontal([v.is_not_null() for v in values])).then(made)


def _source(spec: FieldSpec, null_tokens: list[str]) -> pl.Expr:
    if spec.from_ is not None:
        return _clean(pl.col(spec.from_), spec, null_tokens)
    if spec.concat is not None:
        parts = [_clean(pl.col(c), spec, null_tokens) for c in spec.concat.columns]
        joined = pl.concat_str(parts, separator=spec.concat.separator, ignore_nulls=True)
        return pl.when(joined == "").then(None).otherwise(joined)
    if spec.coalesce is not None:
        return pl.coalesce([_clean(pl.col(c), spec, null_tokens) for c in spec.coalesce])
    if spec.split is not None:
        pieces = _clean(pl.col(spec.split.column), spec, null_tokens).str.split(spec.split.separator)
        return _clean(pieces.list.get(spec.split.index, null_on_oob=True), spec, [])
    if spec.when is not None:
        result = _ref(spec.otherwise, spec, null_tokens) if spec.otherwise else _literal(None)
        for clause in reversed(spec.when):  # the first matching clause wins
            test = _condition(clause.if_, spec, null_tokens)
            result = pl.when(test).then(_ref(clause.then, spec, null_tokens)).otherwise(result)
        return result
    if spec.template is not None:
        return _template(spec, null_tokens)
    if spec.id is not None:
        return _stable_id(spec, spec.id, null_tokens)
    return _literal(spec.constant)


def _replace(expr: pl.Expr, rule: ReplaceSpec, spec: FieldSpec, null_tokens: list[str]) -> pl.Expr:
    find = pl.lit(rule.find) if rule.find is not None else _clean(pl.col(rule.find_column or ""), spec, null_tokens)
    if rule.at == "anywhere":
        return expr.str.replace_all(find, pl.lit(rule.with_), literal=True) if rule.find is not None else \
            pl.when(find.is_not_null()).then(expr.str.replace_all(find, pl.lit(rule.with_), literal=True)) \
            .otherwise(expr)
    length = find.str.len_chars()
    if rule.at == "start":
        hit = expr.str.starts_with(find).fill_null(False)
        return pl.when(hit).then(pl.concat_str(pl.lit(rule.with_), expr.str.slice(length))).otherwise(expr)
    hit = expr.str.ends_with(find).fill_null(False)
    return pl.when(hit).then(pl.concat_str(expr.str.slice(0, expr.str.len_chars() - length), pl.lit(rule.with_))
                             ).otherwise(expr)


def _text_step(expr: pl.Expr, step: Step, spec: FieldSpec, null_tokens: list[str]) -> pl.Expr:
    """One step from text to text (the parse steps are ``values.typed_value``'s)."""
    match step.kind:
        case "trim":
            return expr.str.strip_chars() if step.trim else expr
        case "case":
            return {"upper": expr.str.to_uppercase(), "lower": expr.str.to_lowercase(),
                    "title": expr.str.to_titlecase()}[step.case or "upper"]
        case "normalize":
            return expr.str.normalize(step.normalize or "NFC")
        case "replace":
            return _replace(expr, step.replace, spec, null_tokens)  # type: ignore[arg-type]
        case "regex_replace":
            rule = step.regex_replace
            return expr.str.replace_all(rule.pattern, rule.replacement)  # type: ignore[union-attr]
        case "regex_extract":
            extract = step.regex_extract
            return expr.str.extract(extract.pattern, extract.group)  # type: ignore[union-attr]
        case "split":
            split = step.split
            return expr.str.split(split.separator).list.get(split.index, null_on_oob=True)  # type: ignore[union-attr]
        case "default":
            return expr.fill_null(pl.lit(step.default))
        case "null_if":
            return pl.when(expr.is_in(step.null_if or [])).then(None).otherwise(expr)
        case "codes":
            return _codes(expr, step.codes)  # type: ignore[arg-type]
    raise ValueError(f"step {step.kind!r} is not a text step")


def _text_steps(expr: pl.Expr, spec: FieldSpec, null_tokens: list[str]) -> pl.Expr:
    """Every step but the parse step, in the order written."""
    for step in spec.steps:
        if step.kind not in PARSE_STEPS:
            expr = _text_step(expr, step, spec, null_tokens)
    return expr


def _quarantining_codes(spec: FieldSpec) -> CodesSpec | None:
    """The first code map of the field that quarantines unmapped codes (lookups are code maps by then)."""
    return next((s.codes for s in spec.steps if s.codes is not None and s.codes.unmapped == "quarantine"), None)


def fold(text: str) -> str:
    """Accent- and case-insensitive form of a code (NFD, combining marks removed, case-folded)."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _fold_expr(expr: pl.Expr) -> pl.Expr:
    return expr.str.normalize("NFD").str.replace_all(r"\p{Mn}", "").str.to_lowercase()


def code_text(value: str | int | float | bool) -> str:
    """A code map's output as the text the parse step reads: true/false for booleans."""
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _codes(expr: pl.Expr, codes: CodesSpec) -> pl.Expr:
    mapping = {k: code_text(v) for k, v in (codes.map or {}).items()}
    if codes.ignore_accents:
        mapping = {fold(k): v for k, v in mapping.items()}
        expr = _fold_expr(expr)
    elif codes.ignore_case:
        mapping = {k.casefold(): v for k, v in mapping.items()}
        expr = expr.str.to_lowercase()
    if codes.unmapped == "keep":
        return expr.replace(mapping)
    return expr.replace_strict(mapping, default=None, return_dtype=pl.String)


SHOWN_CODES = 12


def listed(items: list[str], limit: int = SHOWN_CODES) -> str:
    """Items for a message: all of a short list, the first ``limit`` of a long one and how many more, as
    ``(+N)`` (a reference table's codes; no words, so the message reads in either language)."""
    if len(items) <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} (+{len(items) - limit})"


def _expected(field: Field, spec: FieldSpec) -> str:
    """A type error's detail: the type (``array<date>``), with the formats tried for dates and times, so the
    message can show what was expected (``date [%d/%m/%Y]``)."""
    if field.items is not None:
        return field.type_label
    if field.logical_type in DEFAULT_DATE_FORMATS:
        date = spec.setting("date")
        serial = ", Excel serial" if date is not None and date.excel_serial else ""
        return f"{field.logical_type} [{', '.join(date_formats(field, spec))}{serial}]"
    return field.logical_type


def apply_mapping(mapping: Mapping, raw: pl.DataFrame) -> MappedExtract:
    """Map a raw extract (string columns + ``_source_row``) onto the contract.

    Computed in stages (source text, coded text, typed value, error flags), each reading the previous stage's
    columns by name, so no step runs twice. The caller checks beforehand that every source column exists
    (see ``missing_columns``).
    """
    contract = mapping.contract
    null_tokens = mapping.spec.source.null_tokens
    mapped = [(f, mapping.spec.fields[f.name]) for f in contract.fields if f.name in mapping.spec.fields]
    unmapped = [pl.lit(None, dtype=polars_dtype(f)).alias(f.name) for f in contract.fields
                if f.name not in mapping.spec.fields]
    stages = raw.lazy().with_columns(_source(spec, null_tokens).alias(_RAW + f.name) for f, spec in mapped)
    stages = stages.with_columns(_text_steps(pl.col(_RAW + f.name), spec, null_tokens).alias(_CODED + f.name)
                                 for f, spec in mapped)
    source_format = mapping.spec.source.format
    typed = {f.name: typed_value(pl.col(_CODED + f.name), f, spec, source_format) for f, spec in mapped}
    stages = stages.with_columns(*(typed[f.name].alias(f.name) for f, _ in mapped), *unmapped)
    flags, details = [], {}
    for f, spec in mapped:
        codes = _quarantining_codes(spec)  # the source had a value, the code map (or lookup) found none
        converted = not typed[f.name].meta.eq(pl.col(_CODED + f.name))  # text kept as text cannot fail typing
        if codes is None and not converted:
            continue  # nothing in the mapping can fail this field
        source, coded, value = pl.col(_RAW + f.name), pl.col(_CODED + f.name), pl.col(f.name)
        is_unmapped = source.is_not_null() & coded.is_null() & pl.lit(codes is not None)
        untyped = coded.is_not_null() & value.is_null()
        flags.append(pl.when(is_unmapped).then(pl.lit("unmapped-code")).when(untyped).then(pl.lit("type-error"))
                     .otherwise(pl.lit(None, dtype=pl.String)).alias(_ERR + f.name))
        known_codes = listed(list(codes.map or {})) if codes else ""
        expected = _expected(f, spec)  # the reasons' type names: array<date>, number, date [%d/%m/%Y]
        details[f.name] = pl.when(pl.col(_ERR + f.name) == "unmapped-code").then(pl.lit(known_codes)).otherwise(
            pl.lit(expected))  # worded on the error rows only
    wide = stages.with_columns(flags).collect()
    errors = [
        wide.filter(pl.col(_ERR + name).is_not_null()).select(
            pl.col(ROW),
            pl.lit(name).alias("column"),
            pl.col(_ERR + name).alias("rule"),
            pl.col(_RAW + name).cast(pl.String).alias("value"),
            detail.alias("detail"),
        )
        for name, detail in details.items()
    ]
    error_frame = pl.concat(errors) if errors else pl.DataFrame(schema=ERROR_COLUMNS)
    source_text = wide.select(ROW, *(pl.col(_RAW + f.name).cast(pl.String).alias(f.name) for f, _ in mapped))
    return MappedExtract(values=wide.select(ROW, *contract.field_names), source_text=source_text,
                         errors=error_frame)
