"""What ``accord run`` and ``make run`` do, through the Dagster instance in ``$DAGSTER_HOME`` so every run
shows in the UI: pick up the landing zone, run each submission not processed yet in its own partition,
then publish agencies, integrated datasets and the summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from accord.contracts import ContractRegistry
from accord.intake import Intake, Pickup
from accord.mapping import load_mappings
from accord.settings import data_dirs, project_dirs
from pipelines.definitions import PUBLISH_JOB, build_definitions
from pipelines.factories import partitions_name, submission_job_name

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class RunReport:
    pickup: Pickup
    runs: list[dg.ExecuteInProcessResult] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(r.success for r in self.runs)


def materialize_all(project_dir: Path, data_dir: Path,
                    progress: Callable[[int, int, str], None] | None = None) -> RunReport:
    """``progress(done, total, label)`` is called before each run."""
    project = project_dirs(project_dir)
    defs = build_definitions(project.root, data_dir)
    mappings = load_mappings(project.mappings, ContractRegistry.load(project.contracts))
    intake = Intake(data_dirs(data_dir), mappings)
    report = RunReport(pickup=intake.pickup())
    pending = [s for s in intake.store.all() if s.status == "received"]  # new, or left by a failed run
    with dg.DagsterInstance.get() as instance:
        for done, submission in enumerate(pending):
            if progress:
                progress(done, len(pending) + 1, f"{submission.agency}/{submission.file_name}")
            instance.add_dynamic_partitions(partitions_name(submission.target), [submission.submission_id])
            job = defs.resolve_job_def(submission_job_name(submission.target))
            report.runs.append(job.execute_in_process(instance=instance, partition_key=submission.submission_id,
                                                      raise_on_error=False, run_config=QUIET))
        if progress:
            progress(len(pending), len(pending) + 1, "publishing")
        publish = defs.resolve_job_def(PUBLISH_JOB)
        report.runs.append(publish.execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET))
    return report
