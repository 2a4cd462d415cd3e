"""What ``accord run`` and ``make run`` do, through the Dagster instance in ``$DAGSTER_HOME`` so every run
shows in the UI: pick up the landing zone, run each submission not processed yet in its own partition,
then publish agencies, integrated datasets and the summary.

With ``workers > 1``, submission runs go to that many worker processes, forked from a fork server that has
imported Dagster, the code location and Great Expectations once, so several submissions are processed at
once; each worker holds one batch-bounded engine, so memory grows with the number of workers, not with the
files."""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from accord.contracts import ContractRegistry
from accord.intake import Intake, Pickup
from accord.intake.store import PENDING
from accord.mapping import scan_mappings
from accord.settings import data_dirs, project_dirs
from pipelines.definitions import PUBLISH_JOB, build_definitions
from pipelines.factories import partitions_name, submission_job_name

PRELOAD = ["dagster", "great_expectations", "pandera.polars", "accord.submission"]
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass(frozen=True)
class RunRecord:
    """One Dagster run: its id, whether it succeeded, and its asset checks (name, passed)."""

    run_id: str
    success: bool
    checks: list[tuple[str, bool]] = field(default_factory=list)

    @classmethod
    def of(cls, result: dg.ExecuteInProcessResult) -> RunRecord:
        return cls(result.run_id, result.success,
                   [(e.check_name, e.passed) for e in result.get_asset_check_evaluations()])


@dataclass
class RunReport:
    pickup: Pickup
    runs: list[RunRecord] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(r.success for r in self.runs)


@functools.cache
def _definitions(project_dir: Path, data_dir: str) -> dg.Definitions:
    return build_definitions(project_dir, data_dir)


def run_submission_job(project_dir: Path, data_dir: str, target: str, submission_id: str,
                   instance: dg.DagsterInstance | None = None) -> RunRecord:
    """Run one submission's partition in this process (in a worker process, too, with its own instance)."""
    job = _definitions(project_dir, data_dir).resolve_job_def(submission_job_name(target))
    if instance is None:
        with dg.DagsterInstance.get() as own:
            return run_submission_job(project_dir, data_dir, target, submission_id, own)
    return RunRecord.of(job.execute_in_process(instance=instance, partition_key=submission_id,
                                               raise_on_error=False, run_config=QUIET))


def materialize_all(project_dir: Path, data_dir: str | Path,
                    progress: Callable[[int, int, str], None] | None = None, *, workers: int = 1) -> RunReport:
    """``progress(done, total, label)`` is called as runs start (one process) or finish (several)."""
    project = project_dirs(project_dir)
    scan = scan_mappings(project.mappings, ContractRegistry.load(project.contracts))
    intake = Intake(data_dirs(data_dir), scan.mappings, broken=scan.problems)
    report = RunReport(pickup=intake.pickup())
    pending = intake.store.with_status(*PENDING)  # new, or left by a run that was killed
    jobs = [(project.root, str(data_dir), s.target, s.submission_id) for s in pending]
    labels = [f"{s.agency}/{s.file_name}" for s in pending]
    total = len(pending) + 1
    with dg.DagsterInstance.get() as instance:
        for submission in pending:
            instance.add_dynamic_partitions(partitions_name(submission.target), [submission.submission_id])
        if workers > 1 and len(pending) > 1:
            context = multiprocessing.get_context("forkserver")
            # imported once, not per worker; nothing that runs polars (pipelines.definitions builds the definitions,
            # linting contracts with polars): a polars thread pool started before a fork deadlocks the children
            context.set_forkserver_preload(PRELOAD)
            with ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=context) as pool:
                for done, record in enumerate(pool.map(run_submission_job, *zip(*jobs, strict=True))):
                    report.runs.append(record)
                    if progress:
                        progress(done + 1, total, labels[done])
        else:
            for done, job in enumerate(jobs):
                if progress:
                    progress(done, total, labels[done])
                report.runs.append(run_submission_job(*job, instance=instance))
        if progress:
            progress(len(pending), total, "publishing")
        publish = _definitions(project.root, str(data_dir)).resolve_job_def(PUBLISH_JOB)
        report.runs.append(RunRecord.of(publish.execute_in_process(instance=instance, raise_on_error=False,
                                                                   run_config=QUIET)))
    return report
