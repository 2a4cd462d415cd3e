"""The rules of an array field: its items' constraints (codes, pattern, format, bounds, length), each a test
on one item, and the list's own (number of items, items all different). Row rules report each failing one;
the dataset rule counts the rows with any."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from accord.contracts.formats import FORMATS
from accord.contracts.model import Bound, Field
from accord.regex import pattern_found


@dataclass(frozen=True)
class ListRule:
    """``holds(list_column)``: True where the list keeps the rule (null lists hold: ``required`` is separate)."""

    rule: str
    detail: str
    holds: Callable[[pl.Expr], pl.Expr]


def literal(value: Bound) -> pl.Expr:
    """A contract bound as a polars literal (decimals at a scale wide enough to compare with any field's)."""
    return pl.lit(value) if not isinstance(value, Decimal) else pl.lit(value, dtype=pl.Decimal(38, 10))


def _each(test: Callable[[pl.Expr], pl.Expr]) -> Callable[[pl.Expr], pl.Expr]:
    return lambda column: column.list.eval(test(pl.element())).list.all()


def _item_tests(item: Field) -> list[tuple[str, str, Callable[[pl.Expr], pl.Expr]]]:
    tests: list[tuple[str, str, Callable[[pl.Expr], pl.Expr]]] = []
    if item.enum:
        codes = list(item.enum)
        tests.append(("enum", ", ".join(codes), lambda e: e.is_in(codes)))
    if item.pattern:
        pattern = item.pattern
        tests.append(("pattern", pattern, lambda e: pattern_found(e, pattern)))
    if item.format:
        expression = FORMATS[item.format]
        tests.append(("format", item.format, lambda e: pattern_found(e, expression)))
    if item.minimum is not None:
        low = item.minimum
        tests.append(("minimum", str(low), lambda e: e >= literal(low)))
    if item.maximum is not None:
        high = item.maximum
        tests.append(("maximum", str(high), lambda e: e <= literal(high)))
    if item.min_length is not None or item.max_length is not None:
        shortest, longest = item.min_length or 0, item.max_length
        bounds = f"{shortest}..{longest if longest is not None else ''}"
        tests.append(("length", bounds, lambda e: (e.str.len_chars() >= shortest) & (
            e.str.len_chars() <= longest if longest is not None else pl.lit(True))))
    return tests


def list_rules(field: Field) -> list[ListRule]:
    """The rules of an array field, in a stable order (empty for any other field)."""
    if field.items is None:
        return []
    rules = [ListRule(rule, detail, _each(test)) for rule, detail, test in _item_tests(field.items)]
    if field.min_items is not None or field.max_items is not None:
        fewest, most = field.min_items or 0, field.max_items
        rules.append(ListRule("item-count", f"{fewest}..{most if most is not None else ''}", lambda c: (
            c.list.len() >= fewest) & (c.list.len() <= most if most is not None else pl.lit(True))))
    if field.unique_items:
        rules.append(ListRule("unique-items", "", lambda c: c.list.n_unique() == c.list.len()))
    return rules
