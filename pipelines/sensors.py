"""The landing-zone sensor picks up new files (archive + submission record), with the mappings as they are at
that tick, and asks for one run per contract over the new submissions' partitions (or runs of
``$ACCORD_SUBMISSIONS_PER_RUN`` submissions each, to spread them over run workers). Duplicates and refused
files start nothing. The publication sensor publishes after submission runs."""

import os
from collections.abc import Sequence
from typing import Any

import dagster as dg

from accord.intake import Intake, Pickup
from accord.intake.store import Submission
from accord.mapping import MappingSet
from pipelines.checks import report_mapping_health
from pipelines.factories import (
    by_contract,
    contract_key,
    partition_key,
    partitions_name,
    range_tags,
    run_tags,
    submission_job_name,
)
from pipelines.resources import AccordResource

PER_RUN_ENV = "ACCORD_SUBMISSIONS_PER_RUN"


def submissions_per_run() -> int:
    """0 (the default): all of a pickup's submissions for one contract in one run."""
    return max(0, int(os.environ.get(PER_RUN_ENV) or 0))


def submission_runs(target: str, submissions: list[Submission], per_run: int = 0) -> list[dg.RunRequest]:
    """Runs over the partitions of ``submissions`` (added in this order, so each batch is a contiguous range)."""
    size = per_run or len(submissions)
    runs = []
    for start in range(0, len(submissions), size):
        batch = submissions[start:start + size]
        keys = [partition_key(s) for s in batch]
        runs.append(dg.RunRequest(run_key=f"{batch[0].submission_id}+{len(batch)}",
                                  job_name=submission_job_name(target),
                                  tags={**run_tags(target, batch), **range_tags(keys)}))
    return runs


def partition_requests(pickup: Pickup, per_run: int = 0,
                       ) -> tuple[list[dg.AddDynamicPartitionsRequest], list[dg.RunRequest]]:
    grouped = by_contract(pickup.accepted)
    adds = [dg.AddDynamicPartitionsRequest(partitions_def_name=partitions_name(c),
                                           partition_keys=[partition_key(s) for s in batch])
            for c, batch in grouped.items()]
    return adds, [run for c, batch in grouped.items() for run in submission_runs(c, batch, per_run)]


def usable(scan: MappingSet, served: set[str]) -> tuple[list[Any], dict[str, str]]:
    """The mappings onto contracts these definitions serve; an agency with a mapping onto a contract that came
    after the code location loaded waits (its files stay in landing) until the definitions are reloaded."""
    problems = dict(scan.problems)
    mappings = []
    for mapping in scan.mappings:
        key = contract_key(mapping.contract)
        if key in served:
            mappings.append(mapping)
        else:
            problems.setdefault(mapping.agency, f"contract {key} is new: reload the code location "
                                               "(Deployment > Reload) to serve it")
    return [m for m in mappings if m.agency not in problems], problems


class MappingsDoNotLoad(Exception):
    """A failed tick: mappings that do not load, with lint's findings and hints."""


def landing_sensor(served: set[str], jobs: Sequence[Any], checks: set[dg.AssetCheckKey] | None = None,
                   ) -> dg.SensorDefinition:
    """``checks``: the ``mapping_loads_<agency>`` checks defined, recorded whenever their answer changes."""

    @dg.sensor(name="landing_zone", jobs=list(jobs), minimum_interval_seconds=15,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="Picks up files dropped in landing/<agency>/, with the mappings as they are now, and "
                           "runs the new submissions (one run per contract). A mapping that does not load fails "
                           "the tick (when there is nothing else to run) and its mapping_loads check.")
    def _sensor(context: dg.SensorEvaluationContext, accord: AccordResource) -> dg.SensorResult:
        scan = accord.mappings()
        health = accord.mapping_health()
        report_mapping_health(context.instance, health, checks or set())
        mappings, problems = usable(scan, served)
        pickup = Intake(accord.data, mappings, broken=problems, ended=scan.held).pickup()
        for waiting in pickup.waiting:
            context.log.warning(f"waiting: {waiting}")
        for refused in pickup.refused:
            context.log.warning(f"refused {refused.agency}/{refused.file_name}: {refused.detail}")
        for duplicate in pickup.duplicates:
            context.log.info(f"duplicate {duplicate.agency}/{duplicate.file_name}: {duplicate.detail}")
        adds, runs = partition_requests(pickup, submissions_per_run())
        if health.broken and not runs:  # a tick with runs to start starts them: one agency never holds the others
            raise MappingsDoNotLoad(health.message())
        if not runs:
            return dg.SensorResult(skip_reason=f"no new submission ({len(pickup.duplicates)} duplicates, "
                                               f"{len(pickup.refused)} refused, {len(pickup.waiting)} waiting)")
        return dg.SensorResult(run_requests=runs, dynamic_partitions_requests=adds)

    return _sensor


def publication_sensor(submission_jobs: Sequence[Any], publish_job: Any,
                       status: dg.DagsterRunStatus = dg.DagsterRunStatus.SUCCESS) -> dg.RunStatusSensorDefinition:
    """When a submission run ends (``status``: SUCCESS, or FAILURE: a run with a refused or failed file has still
    processed and staged the others), publish (agencies, integrated, summary), unless a publication run is
    already waiting to start: it will include this submission too. Runs in the daemon, on by default, so a file
    dropped while ``make dev`` runs is published without anything to switch on."""
    failed = status == dg.DagsterRunStatus.FAILURE

    @dg.run_status_sensor(name="publish_after_failed_submissions" if failed else "publish_after_submissions",
                          run_status=status, monitored_jobs=list(submission_jobs), request_job=publish_job,
                          default_status=dg.DefaultSensorStatus.RUNNING, minimum_interval_seconds=5,
                          description="Publishes what a failed submission run processed (its other files)"
                          if failed else "Publishes after each successful submission run (one publication "
                                         "waits at most).")
    def _sensor(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
        waiting = context.instance.get_run_records(dg.RunsFilter(
            job_name=publish_job.name, statuses=[dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED]),
            limit=1)
        if waiting:
            return dg.SkipReason(f"publication run {waiting[0].dagster_run.run_id[:8]} has not started yet")
        run = context.dagster_run  # the run's accord/contract and accord/agency tags: what it publishes (summary)
        return dg.RunRequest(run_key=f"publish-after-{run.run_id}", tags={"accord/after": run.run_id})

    return _sensor
