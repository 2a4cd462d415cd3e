"""Two versions of an agency's partition, big enough that a kill often lands mid-write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl
import pyarrow as pa

from accord.contracts import Contract
from accord.publish.parquet import to_table
from accord.publish.pseudonym import PseudonymKey

ROWS = {"A": 40_000, "B": 25_000}


def version_tables(contract: Contract, name: str) -> dict[str, pa.Table]:
    key = PseudonymKey(b"k" * 32, "test")
    files = 1 if name == "A" else 2
    tables = {}
    for part in range(files):
        n = ROWS[name]
        frame = pl.DataFrame({
            "_source_row": list(range(2, n + 2)),
            "payment_id": [f"{name}{part}-{i}" for i in range(n)], "person_id": ["P"] * n,
            "program_code": ["PENSION"] * n, "amount": [Decimal("1.00")] * n, "currency": ["CAD"] * n,
            "payment_date": [dt.date(2026, 1, 1)] * n, "status": ["PAID"] * n,
        }, schema_overrides={"amount": pl.Decimal(12, 2)})
        lineage = {"_agency": "x", "_submission_id": f"x-{name}{part}", "_source_file": f"{name}{part}.csv",
                   "_ingested_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}
        tables[f"part-{name}{part}.parquet"] = to_table(frame, contract, key, lineage, {"source_file": f"{name}{part}"})
    return tables


def expected_ids(name: str) -> set[str]:
    files = 1 if name == "A" else 2
    return {f"{name}{part}-{i}" for part in range(files) for i in range(ROWS[name])}
