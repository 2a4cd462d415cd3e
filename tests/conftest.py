"""Shared fixtures: the real project files (contracts, mappings, samples) and throw-away data folders."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.contracts import Contract, ContractRegistry
from accord.mapping import Mapping, load_mappings
from accord.publish.pseudonym import KEY_ENV, PseudonymKey, load_key
from accord.settings import DataDirs, data_dirs
from tests.services import S3Server, postgres_server
from tests.services import s3_server as s3_server_process

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
    # nothing cached outside tmp either (beside the test's folder, which some tests list)
    monkeypatch.setenv("ACCORD_CACHE_DIR", str(tmp_path.with_name(tmp_path.name + "-cache")))
    return load_key()


def seed_landing(landing: Path) -> None:
    """Copy the sample extracts into ``landing``, all received at ``RECEIVED``."""
    shutil.copytree(SAMPLES, landing, dirs_exist_ok=True)
    for file in landing.glob("*/*"):
        os.utime(file, (RECEIVED.timestamp(), RECEIVED.timestamp()))


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary Dagster instance configured by the repo's own ``dagster_home/dagster.yaml``."""
    path = tmp_path / "dagster_home"
    path.mkdir()
    shutil.copyfile(ROOT / "dagster_home" / "dagster.yaml", path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(path))
    return path


@pytest.fixture
def data(tmp_path: Path) -> DataDirs:
    """A fresh data directory whose landing zone holds the bundled sample extracts."""
    dirs = data_dirs(tmp_path / "data").create()
    seed_landing(dirs.landing)
    return dirs


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A local S3-compatible server (moto), for the session."""
    with s3_server_process(tmp_path_factory.mktemp("s3") / "moto.log") as server:
        yield server


@pytest.fixture
def s3_data(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """A data directory on the object store (a new bucket), with its credentials in the environment."""
    for name, value in s3_server.env.items():
        monkeypatch.setenv(name, value)
    return f"s3://{s3_server.bucket()}/data"


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A PostgreSQL server of its own, for the session (its ``accord`` database)."""
    with postgres_server() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server_url: str) -> str:
    """A new, empty database on that server, for one test."""
    import uuid

    import sqlalchemy as sa

    name = f"accord_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f"create database {name}"))
    engine.dispose()
    return postgres_server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def remote_data(s3_data: str, postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A data directory on the object store, its records and locks in PostgreSQL (a deployment's layout)."""
    monkeypatch.setenv("ACCORD_DATABASE_URL", postgres_url)
    return s3_data
