"""Read API for downstream services: ``accord.read("person", version=1)``.

Reads through the dataset's manifest, so a reader sees the Delta table version the manifest describes (one
consistent version, whatever is committed meanwhile), or any earlier one with ``as_of`` (a table version number
or a time), and checks the table's schema against the contract before returning anything.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pyarrow as pa
from deltalake import DeltaTable

from accord.contracts import ContractRegistry
from accord.errors import AccordError
from accord.integrate.build import integrated_schema
from accord.publish.manifest import read_manifest
from accord.publish.parquet import AGENCY, dataset_schema
from accord.publish.tables import AGENCIES, INTEGRATED, Table
from accord.settings import data_dirs, project_dirs

AsOf = int | dt.datetime | None


def table_at(contract_id: str, version: int, agency: str | None, as_of: AsOf, data_dir: Path | str | None,
             project_dir: Path | str | None) -> tuple[Table, DeltaTable, pa.Schema]:
    """The table a reader reads (the integrated one, or the agencies table for ``agency``), opened at the
    manifest's version (or ``as_of``), and its expected schema, checked against the table's."""
    contract = ContractRegistry.load(project_dirs(project_dir).contracts).resolve(contract_id, version)
    dirs = data_dirs(data_dir)
    try:
        manifest = read_manifest(dirs, contract)
    except FileNotFoundError:
        raise AccordError(f"{contract_id} v{version} has not been published", file=dirs.url) from None
    kind = AGENCIES if agency is not None else INTEGRATED
    entry = manifest["tables"][kind]
    expected = integrated_schema(contract) if kind == INTEGRATED else dataset_schema(contract)
    if entry is None:
        raise AccordError(f"{contract_id} v{version} has no {kind} table yet", file=dirs.url)
    if agency is not None and agency not in {p["agency"] for p in entry["partitions"]}:
        raise AccordError(f"{contract_id} v{version} has no partition for agency '{agency}'", file=dirs.url)
    table = Table(dirs, contract, kind)
    at = as_of if as_of is not None else entry["version"]
    delta = table.open(at)
    if delta is None:
        raise AccordError(f"{contract_id} v{version}: the {kind} table is missing", file=table.uri)
    actual = pa.schema(delta.schema().to_arrow())
    if [(f.name, f.type) for f in actual] != [(f.name, f.type) for f in expected]:
        raise AccordError(f"schema does not match contract {contract.label}: {actual} != {expected}",
                          file=table.uri)
    return table, delta, expected


def read(contract_id: str, version: int, *, agency: str | None = None, as_of: AsOf = None,
         data_dir: Path | str | None = None, project_dir: Path | str | None = None) -> pl.LazyFrame:
    """The integrated table (or one agency's partition) of ``contract_id`` major ``version`` as a LazyFrame:
    the version the manifest describes, or the one current at ``as_of`` (a version number or a time)."""
    table, delta, _ = table_at(contract_id, version, agency, as_of, data_dir, project_dir)
    frame = pl.scan_delta(table.uri, version=delta.version(), storage_options=table.options or None)
    return frame.filter(pl.col(AGENCY) == agency) if agency is not None else frame


def read_arrow(contract_id: str, version: int, *, agency: str | None = None, as_of: AsOf = None,
               data_dir: Path | str | None = None, project_dir: Path | str | None = None) -> pa.Table:
    """Same as ``read``, as an Arrow table."""
    frame = read(contract_id, version, agency=agency, as_of=as_of, data_dir=data_dir, project_dir=project_dir)
    _, _, expected = table_at(contract_id, version, agency, as_of, data_dir, project_dir)
    return frame.collect().to_arrow().select(expected.names).cast(expected)
