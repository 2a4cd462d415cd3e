"""Harmonised Parquet: contract columns typed by the contract, lineage columns, provenance metadata.

Layout (see docs/consumers.md):
  published/<contract>/v<major>/agency=<agency>/part-<source sha256[:16]>.parquet
  published/<contract>/v<major>/_integrated/<contract>.parquet
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from accord.contracts.model import Contract
from accord.contracts.types import arrow_schema
from accord.reasons import ROW

LINEAGE_FIELDS = [
    pa.field("_agency", pa.string(), nullable=False),
    pa.field("_source_file", pa.string(), nullable=False),
    pa.field(ROW, pa.int64(), nullable=False),
    pa.field("_ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
]
META_PREFIX = "accord."


def dataset_schema(contract: Contract) -> pa.Schema:
    """Contract columns then lineage columns: the schema of every published file of ``contract``."""
    return pa.schema([*arrow_schema(contract), *LINEAGE_FIELDS])


def contract_dir(published: Path, contract: Contract) -> Path:
    return published / contract.id / f"v{contract.major}"


def agency_dir(published: Path, contract: Contract, agency: str) -> Path:
    return contract_dir(published, contract) / f"agency={agency}"


def integrated_file(published: Path, contract: Contract) -> Path:
    return contract_dir(published, contract) / "_integrated" / f"{contract.id}.parquet"


def to_table(values: pl.DataFrame, contract: Contract, agency: str, source_file: str,
             ingested_at: dt.datetime, metadata: Mapping[str, str]) -> pa.Table:
    """Contract values (+ ``_source_row``) to an Arrow table of the dataset schema, with metadata."""
    frame = values.select(*contract.field_names, ROW).with_columns(
        pl.lit(agency).alias("_agency"),
        pl.lit(source_file).alias("_source_file"),
        pl.lit(ingested_at, dtype=pl.Datetime("us", "UTC")).alias("_ingested_at"),
    )
    schema = dataset_schema(contract)
    table = frame.select(schema.names).to_arrow().cast(schema)
    keys = {
        "contract_id": contract.id,
        "contract_version": contract.version,
        "contract_sha256": contract.sha256,
        **metadata,
    }
    return table.replace_schema_metadata({f"{META_PREFIX}{k}": str(v) for k, v in keys.items()})


def read_metadata(file: Path) -> dict[str, str]:
    """The ``accord.*`` key-value metadata of a published Parquet file, without the prefix."""
    raw = pq.read_schema(file).metadata or {}
    return {k.decode()[len(META_PREFIX):]: v.decode() for k, v in raw.items()
            if k.decode().startswith(META_PREFIX)}


def write_table(table: pa.Table, file: Path) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, file, compression="zstd")


def replace_dir(target: Path, tables: Mapping[str, pa.Table]) -> list[Path]:
    """Write ``tables`` (file name -> table) into a fresh sibling folder, then swap it in for ``target``.

    Readers see the old folder until the rename; nothing half-written is ever at ``target``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".staging-{target.name}-{uuid.uuid4().hex}"
    staging.mkdir()
    for name, table in tables.items():
        write_table(table, staging / name)
    retired = target.parent / f".retired-{target.name}-{uuid.uuid4().hex}"
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired, ignore_errors=True)
    return [target / name for name in tables]
