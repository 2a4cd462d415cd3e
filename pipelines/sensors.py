"""The landing-zone sensor: picks up new files (archive + submission record) and asks for one run per new
submission, in a new dynamic partition of its contract. Duplicates and refused files start nothing."""

from collections.abc import Sequence
from typing import Any

import dagster as dg

from accord.intake import Intake, Pickup
from accord.mapping import MappingSet
from pipelines.factories import partitions_name, submission_job_name
from pipelines.resources import AccordResource


def partition_requests(pickup: Pickup) -> tuple[list[dg.AddDynamicPartitionsRequest], list[dg.RunRequest]]:
    keys: dict[str, list[str]] = {}
    runs = []
    for submission in pickup.accepted:
        keys.setdefault(submission.target, []).append(submission.submission_id)
        runs.append(dg.RunRequest(run_key=submission.submission_id, job_name=submission_job_name(submission.target),
                                  partition_key=submission.submission_id,
                                  tags={"accord/agency": submission.agency, "accord/file": submission.file_name}))
    adds = [dg.AddDynamicPartitionsRequest(partitions_def_name=partitions_name(c), partition_keys=k)
            for c, k in keys.items()]
    return adds, runs


def landing_sensor(scan: MappingSet, jobs: Sequence[Any]) -> dg.SensorDefinition:
    @dg.sensor(name="landing_zone", jobs=list(jobs), minimum_interval_seconds=15,
               default_status=dg.DefaultSensorStatus.RUNNING,
               description="Picks up files dropped in landing/<agency>/ and runs each new submission.")
    def _sensor(context: dg.SensorEvaluationContext, accord: AccordResource) -> dg.SensorResult:
        pickup = Intake(accord.data, scan.mappings, broken=scan.problems).pickup()
        for waiting in pickup.waiting:
            context.log.warning(f"waiting: {waiting}")
        for refused in pickup.refused:
            context.log.warning(f"refused {refused.agency}/{refused.file_name}: {refused.detail}")
        for duplicate in pickup.duplicates:
            context.log.info(f"duplicate {duplicate.agency}/{duplicate.file_name}: {duplicate.detail}")
        adds, runs = partition_requests(pickup)
        if not runs:
            return dg.SensorResult(skip_reason=f"no new submission ({len(pickup.duplicates)} duplicates, "
                                               f"{len(pickup.refused)} refused)")
        return dg.SensorResult(run_requests=runs, dynamic_partitions_requests=adds)

    return _sensor


def publication_sensor(submission_jobs: Sequence[Any], publish_job: Any) -> dg.RunStatusSensorDefinition:
    """When a submission run succeeds, publish (agencies, integrated, summary), unless a publication run is
    already waiting to start: it will include this submission too. Runs in the daemon, on by default, so a file
    dropped while ``make dev`` runs is published without anything to switch on."""

    @dg.run_status_sensor(name="publish_after_submissions", run_status=dg.DagsterRunStatus.SUCCESS,
                          monitored_jobs=list(submission_jobs), request_job=publish_job,
                          default_status=dg.DefaultSensorStatus.RUNNING, minimum_interval_seconds=5,
                          description="Publishes after each successful submission run (one publication waits "
                                      "at most).")
    def _sensor(context: dg.RunStatusSensorContext) -> dg.RunRequest | dg.SkipReason:
        waiting = context.instance.get_run_records(dg.RunsFilter(
            job_name=publish_job.name, statuses=[dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED]),
            limit=1)
        if waiting:
            return dg.SkipReason(f"publication run {waiting[0].dagster_run.run_id[:8]} has not started yet")
        run = context.dagster_run
        return dg.RunRequest(run_key=f"publish-after-{run.run_id}",
                             tags={"accord/after": run.run_id, **{k: v for k, v in run.tags.items()
                                                                  if k.startswith("accord/")}})

    return _sensor
