"""The integrated dataset of a contract: every agency's published partition in one file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from accord.contracts.model import Contract
from accord.publish.parquet import contract_dir, dataset_schema, integrated_file, replace_dir


@dataclass(frozen=True)
class IntegratedResult:
    file: Path
    rows: int
    rows_by_agency: dict[str, int]


def integrate(contract: Contract, published: Path) -> IntegratedResult:
    """Union of ``published/<contract>/v<major>/agency=*/*.parquet`` into ``_integrated/<contract>.parquet``."""
    schema = dataset_schema(contract)
    parts = sorted(contract_dir(published, contract).glob("agency=*/*.parquet"))
    tables = [pq.read_table(p, schema=schema) for p in parts]
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    table = table.replace_schema_metadata({
        "accord.contract_id": contract.id, "accord.contract_version": contract.version,
        "accord.contract_sha256": contract.sha256, "accord.sources": str(len(parts)),
    })
    target = integrated_file(published, contract)
    replace_dir(target.parent, {target.name: table})
    counts: dict[str, int] = {}
    for agency in table.column("_agency").to_pylist():
        counts[agency] = counts.get(agency, 0) + 1
    return IntegratedResult(file=target, rows=table.num_rows, rows_by_agency=dict(sorted(counts.items())))
