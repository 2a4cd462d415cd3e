"""Row rules: compiled from the contract once, as polars expressions (what a batch is checked with: every rule of
every field in one plan, one collect) and as the pandera schema (polars backend) of the same rules, built on
demand: the contract's row rules as a schema others can use, and the oracle the tests hold the expressions to
(`tests/validation/test_row_rules.py`: the same failures, row for row, on every sample and bad input).

Why the batch is not validated by pandera itself: importing ``pandera.polars`` imports pandas, 0.62 s in every
process, more than checking 2,000,000 rows takes (0.25 s with pandera, the same with the expressions: see
docs/performance.md). Each record is checked on its own, so a batch can be checked without the rest of the
extract."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import polars as pl

from accord.contracts.formats import FORMATS
from accord.contracts.model import Contract, Field
from accord.contracts.types import polars_dtype
from accord.errors import AccordError
from accord.reasons import ERROR_COLUMNS, ROW
from accord.regex import pattern_found
from accord.validation.item_rules import list_rules, literal

if TYPE_CHECKING:
    import pandera.polars as pa

Holds = Callable[[pl.Expr], pl.Expr]  # True where a (non-null) value keeps the rule


@dataclass(frozen=True)
class RowRule:
    """One rule of one field: the reason code and constraint text it reports, the test as an expression, and
    the same rule as a pandera check (pandera's own built-in where it has one)."""

    rule: str
    detail: str
    holds: Holds
    pandera: Callable[[], pa.Check]


def _pa() -> Any:
    import pandera.polars as pa

    return pa


def _list_rules(field: Field) -> list[RowRule]:
    return [RowRule(r.rule, r.detail, r.holds, lambda r=r: _pa().Check(  # type: ignore[misc]
        lambda data: data.lazyframe.select(r.holds(pl.col(data.key))), name=r.rule)) for r in list_rules(field)]


def _rules(field: Field) -> list[RowRule]:
    rules = _list_rules(field)
    if field.enum:
        codes = list(field.enum)
        rules.append(RowRule("enum", ", ".join(codes), lambda c: c.is_in(codes), lambda: _pa().Check.isin(codes)))
    if field.pattern:
        # searched anywhere in the value, as JSON Schema and ODCS say (accord.regex.pattern_found: polars'
        # str.contains, which pandera's str_contains runs); str_matches would only try the start
        pattern = field.pattern
        rules.append(RowRule("pattern", pattern, lambda c: pattern_found(c, pattern),
                             lambda: _pa().Check.str_contains(pattern)))
    if field.format:
        expression = FORMATS[field.format]
        rules.append(RowRule("format", field.format, lambda c: pattern_found(c, expression),
                             lambda: _pa().Check.str_contains(expression)))
    if field.minimum is not None:
        low = field.minimum
        rules.append(RowRule("minimum", str(low), lambda c: c >= literal(low), lambda: _pa().Check.ge(low)))
    if field.maximum is not None:
        high = field.maximum
        rules.append(RowRule("maximum", str(high), lambda c: c <= literal(high), lambda: _pa().Check.le(high)))
    if field.min_length is not None or field.max_length is not None:
        shortest, longest = field.min_length, field.max_length
        bounds = f"{shortest or 0}..{longest if longest is not None else ''}"
        rules.append(RowRule("length", bounds, lambda c: c.str.len_chars().is_between(
            shortest or 0, longest if longest is not None else 2**62),
            lambda: _pa().Check.str_length(shortest, longest)))
    return rules


def _value(column: str, dtype: pl.DataType) -> pl.Expr:
    """The failing value as text, as pandera reports it: nested values JSON-encoded, others cast."""
    if isinstance(dtype, pl.List | pl.Array | pl.Struct):
        return pl.struct(pl.col(column).alias("v")).struct.json_encode().str.slice(5).str.head(-1)
    return pl.col(column).cast(pl.String)


@dataclass(frozen=True)
class RowSchema:
    contract: Contract
    rules: dict[str, list[RowRule]] = field(default_factory=dict)

    @cached_property
    def dtypes(self) -> dict[str, pl.DataType]:
        return {f.name: polars_dtype(f) for f in self.contract.fields} | {ROW: pl.Int64()}

    def check(self, values: pl.DataFrame) -> pl.DataFrame:
        """Check ``values`` (contract columns + ``_source_row``); one error record per failure: per field in the
        contract's order, ``required`` then each rule in order, rows in order (pandera's order). A field the
        frame lacks is not checked (as pandera reports no row for it)."""
        wrong = {c: t for c, t in values.schema.items() if c in self.dtypes and t != self.dtypes[c]}
        if wrong:  # the mapping makes the contract's types: an engine bug, never the agency's data
            raise AccordError(f"the mapped batch does not have the contract's types: {wrong}")
        lazy = values.lazy()
        found = []
        for f in (f for f in self.contract.fields if f.name in values.schema):
            column, value = pl.col(f.name), _value(f.name, self.dtypes[f.name])
            tests = [("required", "", column.is_null())] if f.required else []
            tests += [(r.rule, r.detail, column.is_not_null() & ~r.holds(column).fill_null(True))
                      for r in self.rules[f.name]]
            found += [lazy.filter(fails).select(ROW, pl.lit(f.name).alias("column"), pl.lit(rule).alias("rule"),
                                                value.alias("value"), pl.lit(detail).alias("detail"))
                      for rule, detail, fails in tests]
        if not found:
            return pl.DataFrame(schema=ERROR_COLUMNS)
        return pl.concat(found).collect().cast(ERROR_COLUMNS)

    @cached_property
    def schema(self) -> pa.DataFrameSchema:
        """The same rules as a pandera schema (imports pandera, and so pandas, on first use)."""
        engine = _pa()
        columns = {f.name: engine.Column(self.dtypes[f.name], checks=[r.pandera() for r in self.rules[f.name]],
                                         nullable=not f.required, required=True) for f in self.contract.fields}
        columns[ROW] = engine.Column(pl.Int64, nullable=False)
        schema: pa.DataFrameSchema = engine.DataFrameSchema(columns, strict=True,
                                                            name=f"{self.contract.id} v{self.contract.version}")
        return schema

    def check_with_pandera(self, values: pl.DataFrame) -> pl.DataFrame:
        """``check`` done by pandera (the oracle of the tests): the same error records."""
        try:
            self.schema.validate(values, lazy=True)
        except _pa().errors.SchemaErrors as exc:
            return self._errors(values, exc.failure_cases)
        return pl.DataFrame(schema=ERROR_COLUMNS)

    def _errors(self, values: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
        failures = failures.filter(pl.col("index").is_not_null())
        records = []
        for column, check, number in failures.select("column", "check", "check_number").iter_rows():
            if check == "not_nullable":
                records.append(("required", ""))
            elif number is not None and column in self.rules:
                rule = self.rules[column][number]
                records.append((rule.rule, rule.detail))
            else:
                records.append((str(check), ""))
        rows = values.get_column(ROW).gather(failures.get_column("index").cast(pl.Int64))
        return pl.DataFrame({ROW: rows, "column": failures.get_column("column"), "rule": [r for r, _ in records],
                             "value": failures.get_column("failure_case").cast(pl.String),
                             "detail": [d for _, d in records]}, schema=ERROR_COLUMNS)


def row_schema(contract: Contract) -> RowSchema:
    """The row rules of ``contract``: types, required, codes, patterns, bounds, lengths. Uniqueness spans the
    whole extract, not a batch: see ``accord.validation.uniqueness``."""
    return RowSchema(contract, {f.name: _rules(f) for f in contract.fields})
