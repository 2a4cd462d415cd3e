"""Data files that accord lays out itself, committed to a Delta table by Delta's own transaction log.

``write_deltalake`` cuts files by size wherever the stream happens to be, and re-encodes what it is given.
Two tables need better:

- the integrated table needs each file to hold one range of keys, so that a change re-writes only the files
  whose ranges it touches (``write_file``);
- an agency's publication needs no writing at all: a staged part already is the data file (``publish_parts``
  copies it into the agencies table's partition, within the storage).

Either way the files go into the table's folder first, then one Delta transaction commits the files added and
the files they replace (``DeltaTable.create_write_transaction``). Readers see one version or the other, as
with any Delta commit; a writer killed before the commit leaves unreferenced files that ``vacuum`` removes.

Each file's Delta statistics (``numRecords``, null counts, and minimum and maximum of the text, integer and
date columns) come from the rows written, or from the Parquet footer of a staged part, so readers can skip
files as they do with any Delta table.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from deltalake import CommitProperties
from deltalake import Schema as DeltaSchema
from deltalake.transaction import AddAction, RemoveAction, create_table_with_add_actions

from accord.publish.parquet import AGENCY, dataset_schema, repeating_columns
from accord.publish.tables import SUBMISSION_COLUMN, Table

_RANGED = (pl.String, pl.Date)


def _stat(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def file_stats(frame: pl.DataFrame) -> str:
    """Delta's per-file statistics (JSON) of ``frame``."""
    ranged = [c for c, t in frame.schema.items() if t.is_integer() or isinstance(t, _RANGED)]
    nulls = frame.null_count().row(0, named=True)
    if ranged and frame.height:
        low, high = frame.select(pl.col(ranged).min()).row(0, named=True), frame.select(
            pl.col(ranged).max()).row(0, named=True)
    else:
        low, high = {}, {}
    return json.dumps({"numRecords": frame.height,
                       "minValues": {c: _stat(v) for c, v in low.items() if v is not None},
                       "maxValues": {c: _stat(v) for c, v in high.items() if v is not None},
                       "nullCount": nulls}, sort_keys=True)


def footer_stats(metadata: pq.FileMetaData) -> str:
    """Delta's per-file statistics (JSON) from a Parquet file's footer (its row groups' statistics)."""
    schema = metadata.schema.to_arrow_schema()
    ranged = {f.name for f in schema if pa.types.is_integer(f.type) or pa.types.is_string(f.type)
              or pa.types.is_large_string(f.type) or pa.types.is_date(f.type)}
    low: dict[str, Any] = {}
    high: dict[str, Any] = {}
    nulls: dict[str, int] = dict.fromkeys(schema.names, 0)
    for group in range(metadata.num_row_groups):
        for index, name in enumerate(schema.names):
            stats = metadata.row_group(group).column(index).statistics
            if stats is None or not stats.has_null_count:
                nulls.pop(name, None)
            elif name in nulls:
                nulls[name] += stats.null_count
            if name in ranged and stats is not None and stats.has_min_max:
                low[name] = stats.min if name not in low else min(low[name], stats.min)
                high[name] = stats.max if name not in high else max(high[name], stats.max)
    return json.dumps({"numRecords": metadata.num_rows, "minValues": {c: _stat(v) for c, v in low.items()},
                       "maxValues": {c: _stat(v) for c, v in high.items()}, "nullCount": nulls}, sort_keys=True)


def _file_name() -> str:
    """A new data file's name, in the form ``write_deltalake`` uses."""
    return f"part-00000-{uuid.uuid4()}-c000.zstd.parquet"


def _added(path: str, size: int, stats: str, partitions: dict[str, str | None]) -> AddAction:
    return AddAction(path=path, size=size, partition_values=partitions, modification_time=int(time.time() * 1000),
                     data_change=True, stats=stats)


def publish_parts(table: Table, agency: str, parts: Mapping[str, str], submissions: Iterable[str],
                  metadata: dict[str, str]) -> int | None:
    """Replace the rows of ``submissions`` in ``agency``'s partition of the agencies table by the staged
    ``parts`` (submission id -> storage key), in one commit whose new data files are the parts themselves.
    None (nothing done) when a file of the partition holds several submissions, as ``write_deltalake`` may
    write them: the caller re-writes instead."""
    ids = set(submissions)
    replaced = []
    for found in table.files():
        if found.get(f"partition.{AGENCY}") != agency:
            continue
        low, high = found.get(f"min.{SUBMISSION_COLUMN}"), found.get(f"max.{SUBMISSION_COLUMN}")
        if low is None or high is None or (low != high and any(low <= i <= high for i in ids)):
            return None
        if low in ids:
            replaced.append(found)
    storage = table.dirs.storage
    added = []
    for key in parts.values():
        with storage.open_read(key) as handle:
            footer = pq.ParquetFile(handle).metadata
            size = handle.seek(0, 2)
        path = f"{AGENCY}={agency}/{_file_name()}"
        storage.copy(key, f"{table.key}/{path}")
        added.append(_added(path, size, footer_stats(footer), {AGENCY: agency}))
    return commit_files(table, dataset_schema(table.contract), added, replaced, metadata=metadata,
                        description=f"{table.contract.label}: every agency's published rows", partition_by=[AGENCY])


def write_file(table: Table, frame: pl.DataFrame, schema: pa.Schema, work: Path) -> AddAction:
    """Write ``frame`` as one new data file of ``table`` (not yet committed): its add action."""
    name = _file_name()
    local = work / name
    pq.write_table(frame.select(schema.names).to_arrow().cast(schema), local, compression="zstd",
                   use_dictionary=repeating_columns(table.contract, schema.names))
    size = local.stat().st_size
    table.dirs.storage.put_file(local, f"{table.key}/{name}", move=True)
    return _added(name, size, file_stats(frame), {})


def commit_files(table: Table, schema: pa.Schema, added: list[AddAction], replaced: Iterable[dict[str, Any]], *,
                 metadata: dict[str, str], description: str, partition_by: list[str] | None = None) -> int:
    """One commit: ``added`` files in, ``replaced`` files (rows of ``Table.files``) out; the new version."""
    properties = CommitProperties(custom_metadata=metadata)
    delta = table.open()
    if delta is None:
        create_table_with_add_actions(table.uri, DeltaSchema.from_arrow(schema), added, mode="error",
                                      partition_by=partition_by,
                                      name=f"{table.contract.id} v{table.contract.major} {table.kind}",
                                      description=description, storage_options=table.options or None,
                                      commit_properties=properties)
    else:
        now = int(time.time() * 1000)
        removed = [RemoveAction(path=f["path"], data_change=True, deletion_timestamp=now, size=f["size_bytes"],
                                partition_values={c: f.get(f"partition.{c}") for c in partition_by or []})
                   for f in replaced]
        delta.create_write_transaction([*added, *removed], mode="append", schema=schema, partition_by=partition_by,
                                       commit_properties=properties)
    return table.version() or 0
