"""What ``accord run`` and ``make run`` do, through the Dagster instance in ``$DAGSTER_HOME`` so every run
shows in the UI: pick up the landing zone, run the submissions not processed yet (one run per contract, over
their partitions), then publish agencies tables, integrated datasets and the summary (one run).

With ``workers > 1``, submission runs (one per submission) go to that many worker processes, forked from a
fork server that has imported Dagster, the code location and Great Expectations once, so several submissions
are processed at once; each worker holds one batch-bounded engine, so memory grows with the number of
workers, not with the files."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from accord.contracts import ContractRegistry
from accord.intake import Intake, Pickup
from accord.intake.store import PENDING
from accord.mapping import MappingSet, scan_mappings
from accord.mapping.health import mapping_health
from accord.settings import ProjectDirs, data_dirs, project_dirs
from pipelines.checks import report_mapping_health
from pipelines.definitions import PUBLISH_JOB, build_definitions
from pipelines.factories import (
    by_contract,
    partition_key,
    partitions_name,
    range_tags,
    run_tags,
    submission_job_name,
)

PRELOAD = ["dagster", "great_expectations", "accord.submission"]
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


@contextlib.contextmanager
def ready_instance() -> Iterator[dg.DagsterInstance]:
    """The instance of ``$DAGSTER_HOME``, its storages created under a lock in that folder: two ``accord run``
    started together on a fresh instance would otherwise both create its SQLite tables ("table runs already
    exists")."""
    home = os.environ.get("DAGSTER_HOME")
    with contextlib.ExitStack() as stack:
        if home:
            Path(home).mkdir(parents=True, exist_ok=True)
            lock = stack.enter_context(open(Path(home) / ".accord-instance.lock", "a"))
            fcntl.flock(lock, fcntl.LOCK_EX)
        instance = dg.DagsterInstance.get()
        instance.get_runs_count()  # touches each storage: the first process creates them, the others find them
        instance.event_log_storage.get_asset_records([])
        instance.all_instigator_state()
    with instance:
        yield instance


def report_mappings(instance: dg.DagsterInstance, project: ProjectDirs, data_dir: str, scan: MappingSet,
                    contracts: ContractRegistry) -> None:
    """Record the ``mapping_loads`` checks that changed, as the landing sensor does at each tick."""
    specs = set(_definitions(project.root, data_dir).resolve_asset_graph().asset_check_keys)
    report_mapping_health(instance, mapping_health(project.mappings, scan, contracts), specs)


@functools.cache
def _definitions(project_dir: Path, data_dir: str) -> dg.Definitions:
    return build_definitions(project_dir, data_dir)


def _execute(project_dir: Path, data_dir: str, target: str, instance: dg.DagsterInstance, keys: list[str],
             tags: dict[str, str]) -> RunRecord:
    job = _definitions(project_dir, data_dir).resolve_job_def(submission_job_name(target))
    one = len(keys) == 1  # one partition, or a range of them (the asset's single-run backfill policy)
    return RunRecord.of(job.execute_in_process(instance=instance, raise_on_error=False, run_config=QUIET,
                                               partition_key=keys[0] if one else None,
                                               tags=tags if one else {**tags, **range_tags(keys)}))


def run_submission_job(project_dir: Path, data_dir: str, target: str, key: str, tags: dict[str, str],
                       ) -> RunRecord:
    """Run one submission's partition in a worker process, with its own instance."""
    with dg.DagsterInstance.get() as instance:
        return _execute(project_dir, data_dir, target, instance, [key], tags)


def _span(instance: dg.DagsterInstance, target: str, keys: set[str]) -> list[str]:
    """The partitions from the first to the last of ``keys``, in the order they were added (a run covers a
    range; submissions processed before that fall inside it report their recorded result)."""
    ordered = instance.get_dynamic_partitions(partitions_name(target))
    at = [i for i, k in enumerate(ordered) if k in keys]
    return ordered[min(at):max(at) + 1]


def materialize_all(project_dir: Path, data_dir: str | Path,
                    progress: Callable[[int, int, str], None] | None = None, *, workers: int = 1) -> RunReport:
    """Pick up the landing zone, process every pending submission (one run per contract, or one run per
    submission in ``workers`` processes), then publish (one run). ``progress(done, total, label)`` is called
    as runs start (one process) or finish (several)."""
    project = project_dirs(project_dir)
    contracts = ContractRegistry.load(project.contracts)
    scan = scan_mappings(project.mappings, contracts)
    intake = Intake(data_dirs(data_dir), scan.mappings, broken=scan.problems, ended=scan.held)
    report = RunReport(pickup=intake.pickup())
    pending = intake.store.with_status(*PENDING)  # new, or left by a run that was killed
    grouped = by_contract(pending)
    root, data = project.root, str(data_dir)
    with ready_instance() as instance:
        report_mappings(instance, project, data, scan, contracts)
        for target, batch in grouped.items():
            instance.add_dynamic_partitions(partitions_name(target), [partition_key(s) for s in batch])
        if workers > 1 and len(pending) > 1:
            jobs = [(root, data, s.target, partition_key(s), run_tags(s.target, [s])) for s in pending]
            labels = [f"{s.agency}/{s.file_name}" for s in pending]
            context = multiprocessing.get_context("forkserver")
            # imported once, not per worker; nothing that runs polars (pipelines.definitions builds the definitions,
            # linting contracts with polars): a polars thread pool started before a fork deadlocks the children
            context.set_forkserver_preload(PRELOAD)
            with ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=context) as pool:
                for done, record in enumerate(pool.map(run_submission_job, *zip(*jobs, strict=True))):
                    report.runs.append(record)
                    if progress:
                        progress(done + 1, len(pending) + 1, labels[done])
        else:
            total = len(grouped) + 1
            for done, (target, batch) in enumerate(grouped.items()):
                if progress:
                    progress(done, total, f"{target}: {len(batch)} submission(s)")
                keys = _span(instance, target, {partition_key(s) for s in batch})
                report.runs.append(_execute(root, data, target, instance, keys, run_tags(target, batch)))
        if progress:
            progress(len(report.runs), len(report.runs) + 1, "publishing")
        publish = _definitions(root, data).resolve_job_def(PUBLISH_JOB)
        report.runs.append(RunRecord.of(publish.execute_in_process(
            instance=instance, raise_on_error=False, run_config=QUIET, tags={"accord/trigger": "accord run"})))
        report_mappings(instance, project, data, scan, contracts)  # about the materializations just made
    return report
