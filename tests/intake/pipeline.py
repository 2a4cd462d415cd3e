"""One whole engine run (pickup, every pending submission, publication), without Dagster: the run the crash and
concurrency tests interrupt, repeat and compare. Run as a script, it is the child process those tests kill:
``python tests/intake/pipeline.py DATA_DIR PROJECT_DIR [--no-dataset-rules]``."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import polars as pl

from accord.agency import publish_agency
from accord.contracts import ContractRegistry
from accord.intake import Intake
from accord.intake.store import PENDING
from accord.integrate import integrate
from accord.mapping import load_mappings
from accord.publish.pseudonym import load_key
from accord.settings import data_dirs
from accord.submission import run_submission


def run_pipeline(data_dir: Path, project: Path, *, dataset_rules: bool = True) -> None:
    contracts = ContractRegistry.load(project / "contracts")
    mappings = load_mappings(project / "mappings", contracts)
    dirs = data_dirs(data_dir)
    intake = Intake(dirs, mappings)
    intake.pickup()
    key = load_key()
    for submission in intake.store.with_status(*PENDING):
        run_submission(submission.submission_id, intake, key, dataset_rules=dataset_rules)
    for mapping in mappings:
        publish_agency(mapping.contract, mapping.agency, dirs, key)
    for contract in {m.contract.label: m.contract for m in mappings}.values():
        integrate(contract, dirs, key)


RECORD_FIELDS = ("submission_id", "agency", "contract", "file_name", "sha256", "size", "received_at",
                 "archived_path", "status", "reason", "detail", "duplicate_of", "landing_entry")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def state(data_dir: Path) -> dict[str, Any]:
    """What a run leaves behind, comparable between data directories: records, archived, quarantined and
    published bytes, submission reports (paths relative to the data directory)."""
    dirs = data_dirs(data_dir)
    root = str(dirs.root)
    intake_store = Intake(dirs, []).store
    records = sorted(tuple(str(getattr(r, f)).replace(root, "<data>") for f in RECORD_FIELDS)
                     for r in intake_store.all())

    def files(folder: Path, pattern: str = "*") -> dict[str, str]:
        return {str(p.relative_to(dirs.root)): _digest(p) for p in sorted(folder.rglob(pattern))
                if p.is_file() and ".locks" not in p.parts and not p.name.startswith(("submissions.db", "_manifest"))
                and p.name != ".lock"}

    reports = {p.name: json.loads(p.read_text().replace(root, "<data>"))
               for p in sorted((dirs.reports / "submissions").glob("*.json"))}
    for report in reports.values():
        report.pop("data_docs", None)
    # what a reader sees (each table's rows, in a stable order), and the parts staged for publication
    published: dict[str, str] = {str(p.relative_to(dirs.root)): _digest(p)
                                 for p in sorted(dirs.published.glob("*/v*/.staged/*/*.parquet"))}
    for table_dir in sorted(dirs.published.glob("*/v*/*/_delta_log")):
        frame = pl.scan_delta(str(table_dir.parent)).collect()  # when identities were resolved: not compared
        frame = frame.drop([c for c in ("_resolved_at", "_run_id") if c in frame.columns]).with_columns(
            pl.col(pl.List(pl.String)).list.join("|"))
        rows = frame.sort(frame.columns).write_csv()
        published[str(table_dir.parent.relative_to(dirs.root))] = hashlib.sha256(rows.encode()).hexdigest()
    return {"records": records, "archive": files(dirs.archive), "quarantine": files(dirs.quarantine),
            "published": published, "reports": reports,
            "leftovers": sorted(str(p.relative_to(dirs.root)) for p in dirs.root.rglob("*")
                                if p.name.startswith((".tmp-", ".incoming-")) or p.parent == dirs.work)}


if __name__ == "__main__":
    run_pipeline(Path(sys.argv[1]), Path(sys.argv[2]), dataset_rules="--no-dataset-rules" not in sys.argv)
