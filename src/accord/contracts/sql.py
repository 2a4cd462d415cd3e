"""SQL DDL of a contract's integrated dataset (contract columns, ``pii`` ones as their text pseudonyms, then
lineage and ``_merged_count``; one record per primary key), for PostgreSQL and DuckDB: types, NOT NULL, the
primary key, and CHECK constraints for codes, bounds and lengths. Patterns are not translated (the two
engines' regular expressions differ from Python's), nor are the rules of an array's items (the engines' list
functions differ)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accord.contracts.model import Bound, Contract, Field

DIALECTS = ("postgresql", "duckdb")
_TYPES = {
    "postgresql": {"string": "TEXT", "integer": "BIGINT", "number": "DOUBLE PRECISION", "boolean": "BOOLEAN",
                   "date": "DATE", "time": "TIME", "timestamp": "TIMESTAMP WITH TIME ZONE"},
    "duckdb": {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
               "time": "TIME", "timestamp": "TIMESTAMPTZ"},
}
LINEAGE = [("_agency", "string", True), ("_submission_id", "string", True), ("_source_file", "string", True),
           ("_source_row", "integer", True), ("_ingested_at", "timestamp", True), ("_merged_count", "integer", True)]


def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str | Bound) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP WITH TIME ZONE '{value.isoformat()}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, dt.time):
        return f"TIME '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _type(field: Field, dialect: str) -> str:
    if field.classification == "pii":
        return _TYPES[dialect]["string"]
    if field.items is not None:  # an array: both engines' list type, TEXT[] / VARCHAR[]
        return _type(field.items, dialect) + "[]"
    if field.is_decimal:
        return f"NUMERIC({field.precision or 38}, {field.scale or 0})" if dialect == "postgresql" else \
            f"DECIMAL({field.precision or 38}, {field.scale or 0})"
    return _TYPES[dialect][field.logical_type]


def _checks(field: Field) -> list[str]:
    column = identifier(field.name)
    if field.classification == "pii" or field.items is not None:  # pseudonyms, lists: checked before
        return []
    checks = []
    if field.enum is not None:
        checks.append(f"{column} IN ({', '.join(literal(v) for v in field.enum)})")
    if field.minimum is not None:
        checks.append(f"{column} >= {literal(field.minimum)}")
    if field.maximum is not None:
        checks.append(f"{column} <= {literal(field.maximum)}")
    if field.min_length is not None:
        checks.append(f"length({column}) >= {field.min_length}")
    if field.max_length is not None:
        checks.append(f"length({column}) <= {field.max_length}")
    return checks


def to_sql(contract: Contract, dialect: str = "postgresql", table: str | None = None) -> str:
    """``CREATE TABLE`` for the integrated dataset of ``contract``."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r} (one of {', '.join(DIALECTS)})")
    name = table or f"{contract.id}_v{contract.major}"
    lines = [f"  {identifier(f.name)} {_type(f, dialect)}{' NOT NULL' if f.required else ''}"
             for f in contract.fields]
    lines += [f"  {identifier(n)} {_TYPES[dialect][t]}{' NOT NULL' if required else ''}" for n, t, required in LINEAGE]
    lines += [f"  CHECK ({check})" for f in contract.fields for check in _checks(f)]
    if contract.primary_key:
        lines.append(f"  PRIMARY KEY ({', '.join(identifier(k) for k in contract.primary_key)})")
    header = f"-- {contract.label}: the integrated dataset (accord contract export --to sql --dialect {dialect})"
    return f"{header}\nCREATE TABLE {identifier(name)} (\n" + ",\n".join(lines) + "\n);\n"
