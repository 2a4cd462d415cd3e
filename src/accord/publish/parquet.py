"""Harmonised rows: contract columns typed by the contract (``pii`` fields as keyed pseudonyms), lineage
columns, provenance metadata. Each processed submission's rows are staged as one Parquet part
(``published/<contract>/v<major>/.staged/agency=<agency>/part-<submission id without the agency>.parquet``,
``part-<source sha256[:16]>`` for a file feeding one contract) before they are
published in the contract's Delta tables (``accord.publish.tables``, docs/consumers.md).

A staged part is the data file its publication commits, as it is: it holds every column of the dataset but
``_agency``, which is the agencies table's partition column (in Delta, a partition's value is in the
transaction log, not in its files) and is in the part's folder name and metadata.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from accord.contracts.model import Contract
from accord.contracts.types import arrow_type
from accord.publish.pseudonym import PseudonymKey, pseudonymise
from accord.reasons import ROW

AGENCY = "_agency"
LINEAGE_FIELDS = [
    pa.field(AGENCY, pa.string(), nullable=False),
    pa.field("_submission_id", pa.string(), nullable=False),
    pa.field("_source_file", pa.string(), nullable=False),
    pa.field(ROW, pa.int64(), nullable=False),
    pa.field("_ingested_at", pa.timestamp("us", tz="UTC"), nullable=False),
]
META_PREFIX = "accord."


def dataset_schema(contract: Contract) -> pa.Schema:
    """Contract columns then lineage columns: the schema of every published agency file of ``contract``.
    A ``pii`` field is published as its pseudonym, a 64-character hex string, whatever its logical type."""
    columns = [
        pa.field(f.name, pa.string() if f.classification == "pii" else arrow_type(f), nullable=not f.required)
        for f in contract.fields
    ]
    return pa.schema([*columns, *LINEAGE_FIELDS])


def repeating_columns(contract: Contract, names: list[str]) -> list[str]:
    """The columns of ``names`` worth a Parquet dictionary: all but a one-column primary key, the unique fields
    and the source row, whose values never repeat (trying a dictionary on them took 40 % of the time to write
    an integrated file, and the file came out 7 % larger)."""
    single = {f.name for f in contract.fields if f.unique} | {ROW}
    if len(contract.primary_key) == 1:
        single |= set(contract.primary_key)
    return [name for name in names if name not in single]


def staged_schema(contract: Contract) -> pa.Schema:
    """The dataset schema without ``_agency``: the columns of a staged part (a data file of the agencies table)."""
    schema = dataset_schema(contract)
    return schema.remove(schema.get_field_index(AGENCY))


def with_metadata(table: pa.Table, contract: Contract, metadata: Mapping[str, str]) -> pa.Table:
    keys = {"contract_id": contract.id, "contract_version": contract.version, "contract_sha256": contract.sha256,
            **metadata}
    return table.replace_schema_metadata({f"{META_PREFIX}{k}": str(v) for k, v in keys.items()})


def to_table(values: pl.DataFrame, contract: Contract, key: PseudonymKey, lineage: Mapping[str, object],
             metadata: Mapping[str, str]) -> pa.Table:
    """Contract values (+ ``_source_row``) to an Arrow table of the staged schema: pseudonyms for ``pii``
    fields, lineage columns (``_submission_id``, ``_source_file``, ``_ingested_at``) and provenance metadata
    (with the agency)."""
    pii = [f.name for f in contract.fields if f.classification == "pii"]
    times = [f.name for f in contract.fields if f.logical_type == "time" and f.name not in pii]
    frame = values.select(*contract.field_names, ROW).with_columns(
        *(pseudonymise(values.get_column(name), key).alias(name) for name in pii),
        *(pl.col(name).dt.to_string("%H:%M:%S%.f") for name in times),
        pl.lit(lineage["_submission_id"], dtype=pl.String).alias("_submission_id"),
        pl.lit(lineage["_source_file"], dtype=pl.String).alias("_source_file"),
        pl.lit(lineage["_ingested_at"], dtype=pl.Datetime("us", "UTC")).alias("_ingested_at"),
    )
    schema = staged_schema(contract)
    table = frame.select(schema.names).to_arrow().cast(schema)
    return with_metadata(table, contract, {**metadata, "pseudonym_key_id": key.key_id})


def read_metadata(source: Path | Any) -> dict[str, str]:
    """The ``accord.*`` key-value metadata of a staged Parquet part (a path or an open file), without the prefix."""
    raw = pq.read_schema(source).metadata or {}
    return {k.decode()[len(META_PREFIX):]: v.decode() for k, v in raw.items()
            if k.decode().startswith(META_PREFIX)}


def received_at(text: str) -> dt.datetime:
    """When a submission was received (its record's ``received_at``: the landing file's modification time, to
    the second, UTC). Derived from the delivery, not the run, so re-processing a submission writes the same
    rows."""
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)
