"""Small builders for tests: write a contract or mapping file from a dict."""

from __future__ import annotations

import copy
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
