"""Templates (``template: "{NUM}-{UNIT}"``): their parts, the columns they read, and the expression that writes
them, text vanishing with the empty columns it stands by. ``column`` gives each column's cleaned value (trimmed,
null tokens applied: ``accord.mapping.compile``)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

_SEPARATORS = " \t,;:-/|"  # what a separator may start with, dropped when no column before it has a value
TEMPLATE_FORMS = ("number",)  # {NUM:number}: how a column is written in a template


def template_columns(template: str) -> list[str]:
    """The columns a template reads, in order: ``'{NUM} {RUE}'`` reads NUM and RUE (``{NUM:number}`` reads
    NUM); ``{{`` and ``}}`` are literal braces."""
    return [template_column(name)[0] for kind, name in template_parts(template) if kind == "column"]


def template_column(part: str) -> tuple[str, str | None]:
    """A template's column part as (column, form): ``NUM:number`` -> ``("NUM", "number")``; a name with a colon
    and no known form after it is a column name."""
    name, _, form = part.rpartition(":")
    return (name, form) if name and form in TEMPLATE_FORMS else (part, None)


def template_parts(template: str) -> list[tuple[str, str]]:
    """``'{NUM} {RUE}'`` -> ``[("column", "NUM"), ("text", " "), ("column", "RUE")]``."""
    parts: list[tuple[str, str]] = []
    text, i = "", 0
    while i < len(template):
        pair = template[i:i + 2]
        if pair in ("{{", "}}"):
            text, i = text + pair[0], i + 2
            continue
        if template[i] == "{":
            end = template.find("}", i)
            if end < 0 or end == i + 1 or "{" in template[i + 1:end]:
                raise ValueError(f"template {template!r}: '{{' at {i + 1} does not open a column name, "
                                 "like {NUM}; write {{ for a brace")
            if text:
                parts.append(("text", text))
            parts.append(("column", template[i + 1:end]))
            text, i = "", end + 1
            continue
        if template[i] == "}":
            raise ValueError(f"template {template!r}: '}}' at {i + 1} closes nothing; write }}}} for a brace")
        text, i = text + template[i], i + 1
    if text:
        parts.append(("text", text))
    return parts


def template_expr(template: str, column: Callable[[str], pl.Expr]) -> pl.Expr:
    """Literal text and columns. Text vanishes with the empty columns it stands by: text before the first
    column is written when that column has a value, text after the last column when that one has, and text
    between two columns (a separator) when the column after it has a value and some column before it has one
    (when none before has, only what opens the next column is written: the text without its leading spaces
    and , ; : - / |).
    So ``{NUM}-{UNIT}`` gives ``12`` when UNIT is empty, never ``12-``. ``{NUM:number}`` writes a number
    without a zero fraction (``12.0`` -> ``12``, ``12.50`` -> ``12.5``). An all-blank result is empty."""
    parts = template_parts(template)
    columns = [i for i, (kind, _) in enumerate(parts) if kind == "column"]
    if not columns:
        return pl.lit(template).cast(pl.String)
    values: dict[int, pl.Expr] = {}
    for i in columns:
        name, form = template_column(parts[i][1])
        value = column(name)
        if form == "number":
            value = value.str.replace(r"^([+-]?\d+)\.(\d*?)0+$", "$1.$2").str.strip_suffix(".")
        values[i] = pl.when(value != "").then(value)
    written: list[pl.Expr] = []
    for i, (kind, text) in enumerate(parts):
        if kind == "column":
            written.append(values[i].fill_null(""))
            continue
        after = next((c for c in columns if c > i), None)
        before = [c for c in columns if c < i]
        if after is None:  # after the last column
            shown = values[before[-1]].is_not_null()
        elif not before:  # before the first column
            shown = values[after].is_not_null()
        else:  # a separator; with nothing before it, only what opens the next column: ' (' -> '('
            earlier = pl.any_horizontal([values[c].is_not_null() for c in before])
            written.append(pl.when(values[after].is_not_null() & earlier).then(pl.lit(text))
                           .when(values[after].is_not_null()).then(pl.lit(text.lstrip(_SEPARATORS)))
                           .otherwise(pl.lit("")))
            continue
        written.append(pl.when(shown).then(pl.lit(text)).otherwise(pl.lit("")))
    joined = pl.concat_str(written).str.strip_chars()
    return pl.when(joined == "").then(None).otherwise(joined)
