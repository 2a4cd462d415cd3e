"""Small builders for tests: write a contract or mapping file from a dict."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from accord.contracts import ContractRegistry
from accord.intake import store_for
from accord.publish.manifest import manifest_key, read_manifest
from accord.publish.tables import AGENCIES, INTEGRATED, Table
from accord.settings import DataDirs

ROOT = Path(__file__).resolve().parents[1]


def person_contract_data(identity: bool = False) -> dict[str, Any]:
    """The shipped person contract as data, to edit; without its identity declaration unless asked (the
    declaration names fields the edits rename or retype; tests/identity tests it)."""
    data: dict[str, Any] = yaml.safe_load((ROOT / "contracts" / "person" / "1.0.0.yaml").read_text("utf-8"))
    if not identity:
        obj = data["schema"][0]
        obj["customProperties"] = [p for p in obj["customProperties"] if p.get("property") != "identity"]
    return copy.deepcopy(data)


def write_yaml(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def write_contract(root: Path, data: dict[str, Any], file_name: str | None = None) -> Path:
    """Write ``data`` as ``root/<id>/<file_name or version.yaml>``, with the repo's reference tables beside it."""
    if not (root / "reference").exists():
        shutil.copytree(ROOT / "contracts" / "reference", root / "reference")
    return write_yaml(root / str(data.get("id", "person")) / (file_name or f"{data.get('version')}.yaml"), data)


def table_frame(data, contract, kind: str = "integrated"):
    """A published Delta table of ``contract`` as it is now, as a polars frame (``kind``: agencies or
    integrated)."""
    from accord.publish.tables import Table

    table = Table(data, contract, kind)
    assert table.version() is not None, f"{contract.label} {kind}: not published"
    return table.scan().collect()


def published_rows(dirs: DataDirs) -> dict[str, pl.DataFrame]:
    """Every published table's rows, sorted, without ``_ingested_at`` (when the file reached the landing zone:
    an object store's upload time is not the local copy's)."""
    found = {}
    for contract in ContractRegistry.load(ROOT / "contracts").latest():
        for kind in (AGENCIES, INTEGRATED):
            table = Table(dirs, contract, kind)
            if table.version() is not None:
                frame = table.scan().drop("_ingested_at").collect()
                found[f"{contract.label} {kind}"] = frame.sort(frame.columns)
    return found


def publication_pending(dirs: DataDirs) -> str | None:
    """What is not published yet (None: both contracts in full, integrated from the latest agencies)."""
    records = store_for(dirs).all()
    if len(records) < 8 or any(r.status != "processed" for r in records):  # 7 files, msa's feeds two
        return f"submissions: {[(r.file_name, r.status) for r in records]}"
    registry = ContractRegistry.load(ROOT / "contracts")
    for contract in (registry.resolve("person", 1), registry.resolve("benefit_payment", 1)):
        if not dirs.storage.exists(manifest_key(contract)):
            return f"{contract.label}: no manifest"
        tables = read_manifest(dirs, contract)["tables"]
        if tables[INTEGRATED] is None or tables[INTEGRATED]["source_version"] != tables[AGENCIES]["version"]:
            return f"{contract.label}: integrated {tables[INTEGRATED]} from agencies {tables[AGENCIES]['version']}"
        if tables[AGENCIES]["rows"] != {"person": 30, "benefit_payment": 17}[contract.id]:
            return f"{contract.label}: {tables[AGENCIES]['rows']} rows"
    return None
