"""Shared fixtures: the real project files (contracts, mappings, samples) and throw-away data folders."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from accord.contracts import Contract, ContractRegistry
from accord.mapping import Mapping, load_mappings
from accord.publish.pseudonym import KEY_ENV, PseudonymKey, load_key
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


TEST_KEY = "accord-test-key-0123456789abcdef0123456789"
RECEIVED = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def pseudonym_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> PseudonymKey:
    """Every test pseudonymises with a fixed key, and never writes a development key outside tmp."""
    monkeypatch.setenv(KEY_ENV, TEST_KEY)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return load_key()


def seed_landing(landing: Path) -> None:
    """Copy the sample extracts into ``landing``, all received at ``RECEIVED``."""
    shutil.copytree(SAMPLES, landing, dirs_exist_ok=True)
    for file in landing.glob("*/*"):
        os.utime(file, (RECEIVED.timestamp(), RECEIVED.timestamp()))


@pytest.fixture
def data(tmp_path: Path) -> DataDirs:
    """A fresh data directory whose landing zone holds the bundled sample extracts."""
    dirs = data_dirs(tmp_path / "data").create()
    seed_landing(dirs.landing)
    return dirs
