"""Shared fixtures: the real project files (contracts, mappings, samples) and throw-away data folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from accord.contracts import Contract, ContractRegistry
from accord.mapping import Mapping, load_mappings
from accord.settings import DataDirs, data_dirs

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "landing"


@pytest.fixture(scope="session")
def registry() -> ContractRegistry:
    return ContractRegistry.load(ROOT / "contracts")


@pytest.fixture(scope="session")
def person(registry: ContractRegistry) -> Contract:
    return registry.resolve("person", 1)


@pytest.fixture(scope="session")
def payment(registry: ContractRegistry) -> Contract:
    return registry.resolve("benefit_payment", 1)


@pytest.fixture(scope="session")
def mappings(registry: ContractRegistry) -> dict[str, Mapping]:
    return {m.name: m for m in load_mappings(ROOT / "mappings", registry)}


@pytest.fixture
def data(tmp_path: Path) -> DataDirs:
    """A fresh data directory whose landing zone holds the bundled sample extracts."""
    dirs = data_dirs(tmp_path / "data").create()
    shutil.copytree(SAMPLES, dirs.landing, dirs_exist_ok=True)
    return dirs
