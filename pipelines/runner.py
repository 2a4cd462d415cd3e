"""Materialise every asset in-process against the Dagster instance in ``$DAGSTER_HOME`` (what ``accord run``
and ``make run`` do), so the run shows up in the UI like one launched there."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.definitions import build_definitions


def materialize_all(project_dir: Path, data_dir: Path) -> dg.ExecuteInProcessResult:
    defs = build_definitions(project_dir, data_dir)
    job = defs.resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.get() as instance:
        return job.execute_in_process(
            instance=instance, raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
        )
