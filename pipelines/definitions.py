"""The only wiring: assets, jobs and the landing sensor, built from the files in ``contracts/`` and
``mappings/``. Load with ``dagster dev -m pipelines.definitions`` (the Makefile's ``dev`` target)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from accord.contracts import ContractRegistry
from accord.contracts.lifecycle import produced
from accord.mapping.health import declared_pairs
from accord.settings import DATA_DIR_ENV, PROJECT_DIR_ENV, project_dirs
from pipelines.checks import lifecycle_check_specs, lifecycle_checks, mapping_check_specs, mapping_checks
from pipelines.factories import (
    agencies_asset,
    contract_key,
    identities_asset,
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
    """Assets and jobs for every contract in ``contracts/`` (its latest version). Mappings are not loaded here:
    the sensor and the assets read them as they are when they run, so a new or changed mapping needs no
    reload; a new contract does. Only the contract versions each mapping file names are read, for the
    ``mapping_loads_<agency>`` checks and the label of contracts no mapping feeds."""
    project = project_dirs(project_dir or os.environ.get(PROJECT_DIR_ENV) or DEFAULT_PROJECT)
    data = data_dir or os.environ.get(DATA_DIR_ENV) or project.root / "data"
    assets: list[dg.AssetsDefinition] = []
    jobs = []
    published, summarised = [], []
    contracts = ContractRegistry.load(project.contracts).latest()
    served = {contract_key(c) for c in contracts}
    pairs = declared_pairs(project.mappings)
    mapping_specs = mapping_check_specs(pairs, served)
    lifecycle_specs = lifecycle_check_specs(pairs, served)
    for contract in contracts:
        mapped = any(target == contract_key(contract) for _, target in pairs)
        submissions = submissions_asset(contract, mapped)
        agencies = agencies_asset(contract, submissions.key, mapped)
        resolved = [identities_asset(contract, agencies.key, mapped)] if contract.identity else []
        integrated = integrated_asset(contract, resolved[0].key if resolved else agencies.key, mapped)
        assets += [submissions, agencies, *resolved, integrated]
        if produced(contract):  # a proposal, a retired version or one past its sunset is not published
            published += [agencies.key, *(r.key for r in resolved), integrated.key]
            summarised += [integrated.key] if mapped else []  # an unmapped contract's tables may not materialize
        own = dg.AssetSelection.assets(submissions.key) - dg.AssetSelection.checks(*(  # mapping checks: on demand
            spec.key for spec in [*mapping_specs, *lifecycle_specs] if spec.asset_key == submissions.key))
        jobs.append(dg.define_asset_job(submission_job_name(contract_key(contract)), selection=own,
                                        partitions_def=partitions_for(contract),
                                        description=f"process submissions of {contract.label} (one partition "
                                                    "each)"))
    summary = summary_asset(summarised)
    publish = dg.define_asset_job(PUBLISH_JOB, selection=[*published, summary.key],
                                  description="publish the agencies tables, integrated datasets and the summary")
    return dg.Definitions(
        assets=[*assets, summary],
        asset_checks=[*([mapping_checks(mapping_specs)] if mapping_specs else []),
                      *([lifecycle_checks(lifecycle_specs)] if lifecycle_specs else [])],
        jobs=[*jobs, publish],
        sensors=[landing_sensor(served, jobs, {c.key for c in mapping_specs}), publication_sensor(jobs, publish),
                 publication_sensor(jobs, publish, dg.DagsterRunStatus.FAILURE)],
        resources={"accord": AccordResource(project_dir=str(project.root), data_dir=str(data))},
    )


defs = build_definitions()
