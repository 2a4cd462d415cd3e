"""``published/<contract>/v<major>/_manifest.json``: what a consumer needs to trust a dataset.

Rebuilt from the published snapshots after every publication, under the dataset's publication lock, and
replaced atomically. File paths in the manifest point into the immutable snapshots, so a reader that
follows the manifest reads one consistent version. Schema: ``docs/schemas/manifest.schema.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from accord.contracts.model import Contract
from accord.publish.parquet import dataset_schema, read_metadata
from accord.publish.snapshots import current_snapshot, snapshot_checksums

MANIFEST = "_manifest.json"
INTEGRATED = "_integrated"
MANIFEST_VERSION = 1


def _file_entry(root: Path, path: Path, sha256: str) -> dict[str, Any]:
    meta = read_metadata(path)
    return {
        "path": str(path.relative_to(root)),
        "sha256": sha256,
        "rows": pq.ParquetFile(path).metadata.num_rows,
        "source_file": meta.get("source_file"),
        "source_sha256": meta.get("source_sha256"),
        "mapping_sha256": meta.get("mapping_sha256"),
    }


def _partition(root: Path, link: Path) -> dict[str, Any] | None:
    snapshot = current_snapshot(link)
    if snapshot is None:
        return None
    checksums = snapshot_checksums(snapshot)
    files = [_file_entry(root, p, checksums[p.name]) for p in sorted(snapshot.glob("*.parquet"))]
    return {"path": link.name, "snapshot": str(snapshot.relative_to(root)), "rows": sum(f["rows"] for f in files),
            "files": files}


def build_manifest(contract: Contract, root: Path, key_id: str) -> dict[str, Any]:
    """The manifest of the dataset folder ``root`` (``published/<contract>/v<major>``) as it is now."""
    partitions = []
    for link in sorted(root.glob("agency=*")):
        entry = _partition(root, link)
        if entry is not None:
            partitions.append({"agency": link.name.split("=", 1)[1], **entry})
    integrated = _partition(root, root / INTEGRATED)
    if integrated is not None and integrated["files"]:
        meta = read_metadata(root / integrated["files"][0]["path"])
        integrated["records_before_dedup"] = int(meta.get("records_before_dedup", integrated["rows"]))
        integrated["merged_records"] = integrated["records_before_dedup"] - integrated["rows"]
    pii = {f.name for f in contract.fields if f.classification == "pii"}
    return {
        "manifest_version": MANIFEST_VERSION,
        "contract": {"id": contract.id, "version": contract.version, "major": contract.major,
                     "sha256": contract.sha256},
        "schema": [{"name": f.name, "type": str(f.type), "nullable": f.nullable, "pseudonymised": f.name in pii}
                   for f in dataset_schema(contract)],
        "pseudonymisation": {"method": "HMAC-SHA256", "key_id": key_id, "fields": sorted(pii)},
        "partitions": partitions,
        "integrated": integrated,
        "rows": sum(p["rows"] for p in partitions),
        "produced_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def write_manifest(root: Path, manifest: dict[str, Any]) -> Path:
    """Replace ``root/_manifest.json`` atomically (write beside, flush, rename)."""
    target = root / MANIFEST
    temporary = root / f".tmp-manifest-{uuid.uuid4().hex}"
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    return target


def read_manifest(root: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    return manifest
