"""The only wiring: assets built from the files in ``contracts/`` and ``mappings/``.

Load with ``dagster dev -m pipelines.definitions`` (see the Makefile's ``dev`` target).
"""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from accord.contracts import ContractRegistry
from accord.mapping import load_mappings
from accord.settings import DATA_DIR_ENV, PROJECT_DIR_ENV, project_dirs
from pipelines.factories import agency_asset, integrated_asset, summary_asset
from pipelines.resources import AccordResource

DEFAULT_PROJECT = Path(__file__).resolve().parents[1]


def build_definitions(project_dir: Path | str | None = None, data_dir: Path | str | None = None) -> dg.Definitions:
    project = project_dirs(project_dir or os.environ.get(PROJECT_DIR_ENV) or DEFAULT_PROJECT)
    data = data_dir or os.environ.get(DATA_DIR_ENV) or project.root / "data"
    contracts = ContractRegistry.load(project.contracts)
    mappings = load_mappings(project.mappings, contracts)
    agency_assets = [agency_asset(m) for m in mappings]
    integrated = []
    for contract in contracts.latest():
        keys = [a.key for a, m in zip(agency_assets, mappings, strict=True) if m.contract == contract]
        if keys:
            integrated.append(integrated_asset(contract, keys))
    assets = [*agency_assets, *integrated, summary_asset([a.key for a in integrated])]
    return dg.Definitions(
        assets=assets,
        resources={"accord": AccordResource(project_dir=str(project.root), data_dir=str(data))},
    )


defs = build_definitions()
