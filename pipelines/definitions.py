"""The only wiring: assets, jobs and the landing sensor, built from the files in ``contracts/`` and
``mappings/``. Load with ``dagster dev -m pipelines.definitions`` (the Makefile's ``dev`` target)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from accord.contracts import ContractRegistry
from accord.settings import DATA_DIR_ENV, PROJECT_DIR_ENV, project_dirs
from pipelines.factories import (
    agencies_asset,
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
    """Assets and jobs for every contract in ``contracts/`` (its latest version). Mappings are not read here:
    the sensor and the assets read them as they are when they run, so a new or changed mapping needs no
    reload; a new contract does."""
    project = project_dirs(project_dir or os.environ.get(PROJECT_DIR_ENV) or DEFAULT_PROJECT)
    data = data_dir or os.environ.get(DATA_DIR_ENV) or project.root / "data"
    assets: list[dg.AssetsDefinition] = []
    jobs = []
    published = []
    for contract in ContractRegistry.load(project.contracts).latest():
        submissions = submissions_asset(contract)
        agencies = agencies_asset(contract, submissions.key)
        integrated = integrated_asset(contract, agencies.key)
        assets += [submissions, agencies, integrated]
        published += [agencies.key, integrated.key]
        jobs.append(dg.define_asset_job(submission_job_name(contract_key(contract)), selection=[submissions.key],
                                        partitions_def=partitions_for(contract),
                                        description=f"process submissions of {contract.label} (one partition "
                                                    "each)"))
    summary = summary_asset([k for k in published if k.path[-1] == "integrated"])
    publish = dg.define_asset_job(PUBLISH_JOB, selection=[*published, summary.key],
                                  description="publish the agencies tables, integrated datasets and the summary")
    served = {contract_key(c) for c in ContractRegistry.load(project.contracts).latest()}
    return dg.Definitions(
        assets=[*assets, summary],
        jobs=[*jobs, publish],
        sensors=[landing_sensor(served, jobs), publication_sensor(jobs, publish)],
        resources={"accord": AccordResource(project_dir=str(project.root), data_dir=str(data))},
    )


defs = build_definitions()
