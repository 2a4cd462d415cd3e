"""``published/<contract>/v<major>/_manifest.json``: what a consumer needs to trust a dataset.

Rebuilt after every publication, under the contract's publication lock, and replaced whole. It names the
Delta table versions it describes, so a reader that follows the manifest reads exactly those versions, whatever
is committed after. Schema: ``docs/schemas/manifest.schema.json``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

import pyarrow as pa

from accord.contracts.model import Contract
from accord.publish.parquet import dataset_schema, read_metadata
from accord.publish.pseudonym import PSEUDONYM_SCHEME
from accord.publish.tables import AGENCIES, INTEGRATED, SOURCE_VERSION, Table, contract_key
from accord.settings import DataDirs

MANIFEST = "_manifest.json"
MANIFEST_VERSION = 3  # 3: each table's own schema (lineage columns, _merged_count); 2 is still read


def _columns(contract: Contract, schema: pa.Schema) -> list[dict[str, Any]]:
    """Columns as the manifest lists them: name, Arrow type, nullable, pseudonymised, role, unit."""
    fields = {f.name: f for f in contract.fields}
    return [{"name": f.name, "type": str(f.type), "nullable": f.nullable,
             "pseudonymised": f.name in fields and fields[f.name].classification == "pii",
             "role": "contract" if f.name in fields else "lineage",
             **({"unit": fields[f.name].unit} if f.name in fields and fields[f.name].unit else {})} for f in schema]


def _table_schema(table: Table) -> list[dict[str, Any]]:
    """The Delta table's own columns, as committed (``_agency`` of the agencies table, ``_merged_count`` of the
    integrated one included)."""
    delta = table.open()
    return _columns(table.contract, pa.schema(delta.schema().to_arrow())) if delta is not None else []


def manifest_key(contract: Contract) -> str:
    return f"{contract_key(contract)}/{MANIFEST}"


def _agencies(dirs: DataDirs, contract: Contract, table: Table) -> dict[str, Any] | None:
    version = table.version()
    if version is None:
        return None
    rows: dict[str, int] = defaultdict(int)
    files: dict[str, int] = defaultdict(int)
    for action in table.files():
        agency = action["partition._agency"]
        rows[agency] += action["num_records"]
        files[agency] += 1
    partitions = [{"agency": agency, "rows": rows[agency], "files": files[agency],
                   "submissions": staged_submissions(dirs, contract, agency)} for agency in sorted(rows)]
    return {"path": AGENCIES, "version": version, "rows": sum(rows.values()), "schema": _table_schema(table),
            "partitions": partitions}


def staged_submissions(dirs: DataDirs, contract: Contract, agency: str) -> list[dict[str, Any]]:
    """Where an agency's published rows come from: one entry per submission (read from the staged parts'
    metadata, which holds the source file, its SHA-256 and the mapping's)."""
    from accord.submission import staged_parts  # the staging area belongs to the submission module

    found = []
    for submission_id, key in sorted(staged_parts(dirs, contract, agency).items()):
        with dirs.storage.open_read(key) as handle:
            meta = read_metadata(handle)
        found.append({"submission_id": submission_id, "source_file": meta.get("source_file"),
                      "source_sha256": meta.get("source_sha256"), "mapping_sha256": meta.get("mapping_sha256")})
    return found


def _integrated(table: Table) -> dict[str, Any] | None:
    version = table.version()
    if version is None:
        return None
    commit = table.last_commit()
    rows = sum(a["num_records"] for a in table.files())
    before = int(commit.get("accord.records_before_dedup", rows))
    return {"path": INTEGRATED, "version": version, "rows": rows, "schema": _table_schema(table),
            "records_before_dedup": before,
            "merged_records": before - rows, "source_version": int(commit.get(SOURCE_VERSION, -1))}


def build_manifest(dirs: DataDirs, contract: Contract, key_id: str) -> dict[str, Any]:
    """The manifest of ``contract``'s tables as they are now."""
    pii = {f.name for f in contract.fields if f.classification == "pii"}
    agencies = _agencies(dirs, contract, Table(dirs, contract, AGENCIES))
    return {
        "manifest_version": MANIFEST_VERSION,
        "format": "delta",
        "contract": {"id": contract.id, "version": contract.version, "major": contract.major,
                     "sha256": contract.sha256, "status": contract.status,
                     **({"sunset": contract.sunset} if contract.sunset else {})},
        "schema": [{k: v for k, v in column.items() if k != "role"}  # as in version 2: the agencies table's columns
                   for column in _columns(contract, dataset_schema(contract))],
        "pseudonymisation": {"scheme": PSEUDONYM_SCHEME, "key_id": key_id, "fields": sorted(pii)},
        "tables": {AGENCIES: agencies, INTEGRATED: _integrated(Table(dirs, contract, INTEGRATED))},
        "rows": agencies["rows"] if agencies else 0,
        "produced_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def write_manifest(dirs: DataDirs, contract: Contract, manifest: dict[str, Any]) -> str:
    """Replace the manifest whole (a rename on a disk, one PUT on an object store)."""
    return dirs.storage.write_text(manifest_key(contract), json.dumps(manifest, indent=2))


def read_manifest(dirs: DataDirs, contract: Contract) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(dirs.storage.read_text(manifest_key(contract)))
    return manifest
