"""The only wiring: assets, jobs and the landing sensor, built from the files in ``contracts/`` and
``mappings/``. Load with ``dagster dev -m pipelines.definitions`` (the Makefile's ``dev`` target)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from accord.contracts import ContractRegistry
from accord.mapping import scan_mappings
from accord.settings import DATA_DIR_ENV, PROJECT_DIR_ENV, project_dirs
from pipelines.factories import (
    agency_asset,
    contract_key,
    integrated_asset,
    partitions_for,
    submission_job_name,
    submissions_asset,
    summary_asset,
)
from pipelines.resources import AccordResource
from pipelines.sensors import landing_sensor, publication_sensor

DEFAULT_PROJECT = Path(__file__).resolve().parents[1]
PUBLISH_JOB = "publish"


def build_definitions(project_dir: Path | str | None = None, data_dir: Path | str | None = None) -> dg.Definitions:
    project = project_dirs(project_dir or os.environ.get(PROJECT_DIR_ENV) or DEFAULT_PROJECT)
    data = data_dir or os.environ.get(DATA_DIR_ENV) or project.root / "data"
    contracts = ContractRegistry.load(project.contracts)
    scan = scan_mappings(project.mappings, contracts)  # an agency's broken mapping stops that agency only
    mappings = scan.mappings
    assets: list[dg.AssetsDefinition] = []
    jobs = []
    integrated_keys = []
    for contract in contracts.latest():
        served = [m for m in mappings if m.contract == contract]
        if not served:
            continue
        submissions = submissions_asset(contract, mappings)
        agencies = [agency_asset(contract, agency, submissions.key) for agency in sorted({m.agency for m in served})]
        integrated = integrated_asset(contract, [a.key for a in agencies])
        assets += [submissions, *agencies, integrated]
        integrated_keys.append(integrated.key)
        jobs.append(dg.define_asset_job(submission_job_name(contract_key(contract)), selection=[submissions.key],
                                        partitions_def=partitions_for(contract)))
    summary = summary_asset(integrated_keys)
    unpartitioned = [a.key for a in assets if a.partitions_def is None] + [summary.key]
    publish = dg.define_asset_job(PUBLISH_JOB, selection=unpartitioned,
                                  description="publish agency partitions, integrated datasets, the summary")
    return dg.Definitions(
        assets=[*assets, summary],
        jobs=[*jobs, publish],
        sensors=[landing_sensor(scan, jobs), publication_sensor(jobs, publish)],
        resources={"accord": AccordResource(project_dir=str(project.root), data_dir=str(data))},
    )


defs = build_definitions()
