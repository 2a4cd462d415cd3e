"""The run summary: per agency and contract, rows in / published / quarantined, from the result records."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from accord.settings import DataDirs


def collect_results(dirs: DataDirs) -> list[dict[str, Any]]:
    """Every agency result record under ``reports/runs/``, sorted by contract then agency."""
    records = [json.loads(p.read_text()) for p in sorted((dirs.reports / "runs").glob("*/v*/*.json"))]
    return sorted(records, key=lambda r: (r["contract"], r["agency"]))


def summary_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "agency": r["agency"], "contract": r["contract"], "contract_version": r["contract_version"],
            "rows_in": r["rows_in"], "rows_published": r["rows_published"],
            "rows_quarantined": r["rows_quarantined"],
            "balanced": r["rows_in"] == r["rows_published"] + r["rows_quarantined"],
            "rejected_files": [f["file"] for f in r["files"] if f["rejected"]],
            "published_dir": r["published_dir"], "quarantine_dir": r["quarantine_dir"],
        }
        for r in results
    ]


def write_run_summary(dirs: DataDirs, run_id: str | None = None) -> Path:
    """Write ``reports/run-summary.json`` from the current result records."""
    rows = summary_rows(collect_results(dirs))
    payload = {
        "produced_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "run_id": run_id,
        "data_dir": str(dirs.root),
        "all_balanced": all(r["balanced"] for r in rows),
        "results": rows,
    }
    target = dirs.reports / "run-summary.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(payload, indent=2))
    return target
