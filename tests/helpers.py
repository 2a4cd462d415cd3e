"""Small builders for tests: write a contract or mapping file from a dict."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def person_contract_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "contracts" / "person" / "1.0.0.yaml").read_text("utf-8"))
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
