"""Row rules: a pandera (polars backend) schema compiled from the contract, and its failures as error
records with the source row of each failing record. Each record is checked on its own, so a batch can be
checked without the rest of the extract."""

from __future__ import annotations

from dataclasses import dataclass

import pandera.polars as pa
import polars as pl

from accord.contracts.formats import FORMATS
from accord.contracts.model import Contract, Field
from accord.contracts.types import polars_dtype
from accord.reasons import ERROR_COLUMNS, ROW
from accord.validation.item_rules import ListRule, list_rules


@dataclass(frozen=True)
class RowRule:
    """One pandera check with the reason code and constraint text it reports as."""

    check: pa.Check
    rule: str
    detail: str


def _list_check(rule: ListRule) -> pa.Check:
    return pa.Check(lambda data: data.lazyframe.select(rule.holds(pl.col(data.key))), name=rule.rule)


def _rules(field: Field) -> list[RowRule]:
    rules: list[RowRule] = [RowRule(_list_check(r), r.rule, r.detail) for r in list_rules(field)]
    if field.enum:
        rules.append(RowRule(pa.Check.isin(list(field.enum)), "enum", ", ".join(field.enum)))
    if field.pattern:
        # searched anywhere in the value, as JSON Schema and ODCS say (accord.regex.pattern_found: polars'
        # str.contains, which pandera's str_contains runs); str_matches would only try the start
        rules.append(RowRule(pa.Check.str_contains(field.pattern), "pattern", field.pattern))
    if field.format:
        rules.append(RowRule(pa.Check.str_contains(FORMATS[field.format]), "format", field.format))
    if field.minimum is not None:
        rules.append(RowRule(pa.Check.ge(field.minimum), "minimum", str(field.minimum)))
    if field.maximum is not None:
        rules.append(RowRule(pa.Check.le(field.maximum), "maximum", str(field.maximum)))
    if field.min_length is not None or field.max_length is not None:
        bounds = f"{field.min_length or 0}..{field.max_length if field.max_length is not None else ''}"
        rules.append(RowRule(pa.Check.str_length(field.min_length, field.max_length), "length", bounds))
    return rules


@dataclass(frozen=True)
class RowSchema:
    schema: pa.DataFrameSchema
    rules: dict[str, list[RowRule]]

    def check(self, values: pl.DataFrame) -> pl.DataFrame:
        """Validate ``values`` (contract columns + ``_source_row``); return one error record per failure."""
        try:
            self.schema.validate(values, lazy=True)
        except pa.errors.SchemaErrors as exc:
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
        return pl.DataFrame(
            {
                ROW: rows,
                "column": failures.get_column("column"),
                "rule": [r for r, _ in records],
                "value": failures.get_column("failure_case").cast(pl.String),
                "detail": [d for _, d in records],
            },
            schema=ERROR_COLUMNS,
        )


def row_schema(contract: Contract) -> RowSchema:
    """The pandera schema of ``contract``: types, required, codes, patterns, bounds, lengths. Uniqueness
    spans the whole extract, not a batch: see ``accord.validation.uniqueness``."""
    columns = {}
    rules = {}
    for field in contract.fields:
        field_rules = _rules(field)
        rules[field.name] = field_rules
        columns[field.name] = pa.Column(
            polars_dtype(field),
            checks=[r.check for r in field_rules],
            nullable=not field.required,
            required=True,
        )
    columns[ROW] = pa.Column(pl.Int64, nullable=False)
    schema = pa.DataFrameSchema(columns, strict=True, name=f"{contract.id} v{contract.version}")
    return RowSchema(schema=schema, rules=rules)
