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
