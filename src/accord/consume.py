"""Read API for downstream services: ``accord.read("person", version=1)``.

Reads through the dataset's manifest, so a reader always sees one consistent published version, and
checks every file's schema against the contract before returning anything.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from accord.contracts import ContractRegistry
from accord.errors import AccordError
from accord.integrate import MERGED
from accord.publish.manifest import read_manifest
from accord.publish.parquet import contract_dir, dataset_schema
from accord.settings import data_dirs, project_dirs


def _files(contract_id: str, version: int, agency: str | None, data_dir: Path | str | None,
           project_dir: Path | str | None) -> tuple[list[Path], pa.Schema]:
    contract = ContractRegistry.load(project_dirs(project_dir).contracts).resolve(contract_id, version)
    root = contract_dir(data_dirs(data_dir).published, contract)
    try:
        manifest = read_manifest(root)
    except FileNotFoundError:
        raise AccordError(f"{contract_id} v{version} has not been published", file=root) from None
    expected = dataset_schema(contract)
    if agency is None:
        if manifest["integrated"] is None:
            raise AccordError(f"{contract_id} v{version} has no integrated dataset yet", file=root)
        entries = manifest["integrated"]["files"]
        expected = expected.append(pa.field(MERGED, pa.int64(), nullable=False))
    else:
        partitions = [p for p in manifest["partitions"] if p["agency"] == agency]
        if not partitions:
            raise AccordError(f"{contract_id} v{version} has no partition for agency '{agency}'", file=root)
        entries = partitions[0]["files"]
    files = [root / entry["path"] for entry in entries]
    for file in files:
        actual = pq.read_schema(file).remove_metadata()
        if not actual.equals(expected):
            raise AccordError(f"schema does not match contract {contract.label}: {actual} != {expected}", file=file)
    return files, expected


def read(contract_id: str, version: int, *, agency: str | None = None, data_dir: Path | str | None = None,
         project_dir: Path | str | None = None) -> pl.LazyFrame:
    """The integrated dataset (or one agency's partition) of ``contract_id`` major ``version`` as a LazyFrame."""
    files, schema = _files(contract_id, version, agency, data_dir, project_dir)
    if not files:
        return pl.LazyFrame(schema=pl.Schema(schema))
    return pl.scan_parquet(files)


def read_arrow(contract_id: str, version: int, *, agency: str | None = None, data_dir: Path | str | None = None,
               project_dir: Path | str | None = None) -> pa.Table:
    """Same as ``read``, as an Arrow table."""
    files, schema = _files(contract_id, version, agency, data_dir, project_dir)
    return pa.concat_tables([pq.read_table(f) for f in files]) if files else schema.empty_table()
