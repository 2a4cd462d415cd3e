"""The clear identifying values as linkage compares them: accents and case gone, hyphens and apostrophes as
spaces, nicknames to their usual name, a social insurance number as its digits, a postal code in capitals with
one space. Both sides of every comparison go through the same function, in polars.

The name key (``NAME_KEY``) holds a person's name tokens in alphabetical order: it is the same whichever field
an agency put the given name in, so rules and blocking that use both names survive a swap.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import polars as pl

from accord.contracts.identity import IdentityDeclaration
from accord.contracts.model import Contract

NAME_KEY = "name_key"


@functools.cache
def _nicknames(file: Path) -> dict[str, str]:
    with file.open(encoding="utf-8", newline="") as handle:
        return {_plain(row["name"]): _plain(row["canonical"]) for row in csv.DictReader(handle)
                if row.get("name") and row.get("canonical")}


def _plain(text: str) -> str:
    frame = pl.DataFrame({"t": [text]}, schema={"t": pl.String})
    return str(frame.select(plain_text(pl.col("t"))).item())


def plain_text(expr: pl.Expr) -> pl.Expr:
    """Lower case, accents removed (NFKD then combining marks dropped), hyphens, apostrophes and other
    punctuation as spaces, spaces collapsed; empty text is null."""
    text = (expr.cast(pl.String).str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_lowercase()
            .str.replace_all(r"[^\p{L}\p{N}]+", " ").str.strip_chars(" "))
    return pl.when(text.str.len_chars() > 0).then(text)


def nicknames_of(contract: Contract, declaration: IdentityDeclaration) -> dict[str, str]:
    if not declaration.nicknames:
        return {}
    from accord.contracts.loader import contracts_root

    return _nicknames(contracts_root(contract.file) / declaration.nicknames)


def normalised(frame: pl.DataFrame, contract: Contract, declaration: IdentityDeclaration) -> pl.DataFrame:
    """``frame``'s identifying fields normalised (same names), and ``NAME_KEY`` when a ``personName``
    comparison is declared. Other columns are kept as they are. Each column is normalised once per distinct
    value and joined back (names, postal codes and birth dates repeat: a million rows hold far fewer)."""
    methods = {f: c.method for c in declaration.comparisons for f in c.fields}
    types = {f.name: f.logical_type for f in contract.fields}
    nicknames = nicknames_of(contract, declaration)
    pair = declaration.name_pair
    given = pair[0] if pair else None
    columns = []
    for name in declaration.fields:
        column = pl.col(name)
        method = methods.get(name, "exact")
        expr: pl.Expr
        if types.get(name) == "date":
            columns.append(frame.get_column(name).cast(pl.Date))
            continue
        if method == "identifier":
            digits = column.cast(pl.String).str.replace_all(r"[^0-9A-Za-z]", "").str.to_uppercase()
            expr = pl.when(digits.str.len_chars() > 0).then(digits)
        elif method == "postalCode":
            code = column.cast(pl.String).str.replace_all(r"[^0-9A-Za-z]", "").str.to_uppercase()
            spaced = pl.when(code.str.len_chars() == 6).then(code.str.slice(0, 3) + " " + code.str.slice(3)) \
                .otherwise(code)
            expr = pl.when(code.str.len_chars() > 0).then(spaced)
        elif types.get(name) == "string":
            expr = plain_text(column)
            if name == given and nicknames:
                expr = expr.str.split(" ").list.eval(pl.element().replace(nicknames)).list.join(" ")
        else:
            columns.append(frame.get_column(name))
            continue
        columns.append(_by_distinct(frame, [name], expr, name))
    out = frame.with_columns(columns)
    if pair:
        tokens = pl.concat_list(pl.col(pair[0]).fill_null("").str.split(" "),
                                pl.col(pair[1]).fill_null("").str.split(" "))
        key = tokens.list.eval(pl.element().filter(pl.element() != "")).list.sort().list.join(" ")
        out = out.with_columns(_by_distinct(out, list(pair), pl.when(key.str.len_chars() > 0).then(key), NAME_KEY))
    return out


def _by_distinct(frame: pl.DataFrame, inputs: list[str], expr: pl.Expr, output: str) -> pl.Series:
    """``expr`` of each row's ``inputs``, computed once per distinct combination and joined back."""
    table = frame.select(inputs).unique().with_columns(expr.alias("_out"))
    joined = frame.select(inputs).join(table, on=inputs, how="left", nulls_equal=True, maintain_order="left")
    return joined.get_column("_out").alias(output)


def rule_columns(declaration: IdentityDeclaration, fields: tuple[str, ...]) -> list[str]:
    """The columns a rule or blocking list compares: both fields of a person's name become the name key."""
    pair = declaration.name_pair
    if pair and set(pair) <= set(fields):
        return [NAME_KEY, *(f for f in fields if f not in pair)]
    return list(fields)
