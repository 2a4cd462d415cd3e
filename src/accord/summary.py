"""The run summary: per agency and contract, rows in / published / quarantined / filtered over all
submissions (``records_published``: the source rows published; explode and unpivot make several records of
one)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from accord.agency import agency_results
from accord.identity.tables import published_stats
from accord.intake import store_for
from accord.intake.store import PENDING
from accord.publish.tables import AGENCIES
from accord.settings import PUBLISHED, QUARANTINE, REPORTS, DataDirs


def summary_rows(dirs: DataDirs) -> list[dict[str, Any]]:
    rows = []
    ordered = sorted(agency_results(dirs).items(), key=lambda kv: (kv[0][1], kv[0][0]))
    for (agency, contract, version), result in ordered:
        major = int(version.split(".")[0]) if version else 0  # 0: a failure before the contract was known
        rows.append({
            "agency": agency, "contract": contract, "contract_version": version,
            "submissions": len(result.submissions), "rows_in": result.rows_in,
            "rows_published": result.rows_published, "rows_quarantined": result.rows_quarantined,
            "rows_filtered": result.rows_filtered, "records_published": result.records_published,
            "balanced": result.balanced, "rejected_files": result.rejected, "failed_files": result.failed,
            "published_table": dirs.storage.uri(f"{PUBLISHED}/{contract}/v{major}/{AGENCIES}"),
            "quarantine_dir": dirs.storage.uri(f"{QUARANTINE}/{agency}/{contract}/v{major}"),
        })
    return rows


def write_run_summary(dirs: DataDirs, run_id: str | None = None) -> str:
    """Write ``reports/run-summary.json`` from the submission records and results."""
    rows = summary_rows(dirs)
    records = store_for(dirs).all()
    statuses: dict[str, int] = {}
    for submission in records:
        statuses[submission.status] = statuses.get(submission.status, 0) + 1
    unfinished = [{"submission_id": s.submission_id, "agency": s.agency, "file": s.file_name, "status": s.status,
                   "reason": s.reason, "detail": s.detail}
                  for s in records if s.status in (*PENDING, "failed", "receiving")]
    payload = {
        "produced_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "run_id": run_id,
        "data_dir": dirs.url,
        "submissions_by_status": dict(sorted(statuses.items())),
        # rows balanced everywhere, and no submission left unfinished (pending, being processed or failed)
        "all_balanced": all(r["balanced"] for r in rows) and not unfinished,
        "unfinished": unfinished,
        "results": rows,
        "identities": [found for contract, major in sorted({(r["contract"], int(r["contract_version"].split(".")[0]))
                                                             for r in rows if r["contract_version"]})
                       if (found := published_stats(dirs, contract, major)) is not None],
    }
    return dirs.storage.write_text(f"{REPORTS}/run-summary.json", json.dumps(payload, indent=2))
