"""The deployment's configuration, run for real: the data directory on an S3-compatible server, submission
records, locks and the Dagster instance in PostgreSQL (``deploy/dagster.yaml``), runs queued and launched by the
Dagster daemon two at a time, each in a process of its own with its own empty temporary folder. Files dropped
in the landing zone are picked up by the sensor, processed and published; the published rows are those of a
local run."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time

import dagster as dg
import polars as pl

from accord.contracts import ContractRegistry
from accord.intake import store_for
from accord.publish.manifest import manifest_key, read_manifest
from accord.publish.tables import AGENCIES, INTEGRATED, Table
from accord.settings import data_dirs
from tests.conftest import ROOT, SAMPLES, seed_landing
from tests.intake.pipeline import run_pipeline

SUBMISSION_JOBS = ("person_v1_submission", "benefit_payment_v1_submission")


def _rows(dirs) -> dict[str, pl.DataFrame]:
    """Every published table's rows, sorted, without ``_ingested_at`` (when the file reached the landing zone:
    an object store's upload time is not the local copy's)."""
    found = {}
    for contract in ContractRegistry.load(ROOT / "contracts").latest():
        for kind in (AGENCIES, INTEGRATED):
            table = Table(dirs, contract, kind)
            if table.version() is not None:
                frame = table.scan().drop("_ingested_at").collect()
                found[f"{contract.label} {kind}"] = frame.sort(frame.columns)
    return found


def _waiting_for(dirs) -> str | None:
    """What is not published yet (None: both contracts in full, integrated from the latest agencies)."""
    records = store_for(dirs).all()
    if len(records) < 6 or any(r.status != "processed" for r in records):
        return f"submissions: {[(r.file_name, r.status) for r in records]}"
    registry = ContractRegistry.load(ROOT / "contracts")
    for contract in (registry.resolve("person", 1), registry.resolve("benefit_payment", 1)):
        if not dirs.storage.exists(manifest_key(contract)):
            return f"{contract.label}: no manifest"
        tables = read_manifest(dirs, contract)["tables"]
        if tables[INTEGRATED] is None or tables[INTEGRATED]["source_version"] != tables[AGENCIES]["version"]:
            return f"{contract.label}: integrated {tables[INTEGRATED]} from agencies {tables[AGENCIES]['version']}"
        if tables[AGENCIES]["rows"] != {"person": 26, "benefit_payment": 14}[contract.id]:
            return f"{contract.label}: {tables[AGENCIES]['rows']} rows"
    return None


def _most_at_once(runs) -> int:
    events = sorted([(r.start_time, 1) for r in runs] + [(r.end_time, -1) for r in runs], key=lambda e: (e[0], e[1]))
    running = most = 0
    for _, change in events:
        running += change
        most = max(most, running)
    return most


def test_the_daemon_runs_submissions_two_at_a_time_on_s3_and_postgres(tmp_path, remote_data, monkeypatch):
    reference = tmp_path / "local" / "data"
    seed_landing(reference / "landing")
    with monkeypatch.context() as local:  # the embedded defaults: SQLite beside a local archive
        local.delenv("ACCORD_DATABASE_URL")
        run_pipeline(reference, ROOT)
        expected = _rows(data_dirs(reference))

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("ACCORD_DATA_DIR", remote_data)
    monkeypatch.setenv("ACCORD_PROJECT_DIR", str(ROOT))
    monkeypatch.setenv("ACCORD_MAX_CONCURRENT_RUNS", "2")
    monkeypatch.delenv("ACCORD_WORK_DIR", raising=False)  # each run process makes its own temporary folder
    dirs = data_dirs(remote_data)
    daemon = subprocess.Popen([sys.executable, "-m", "dagster._daemon", "run", "-m", "pipelines.definitions"],
                              cwd=ROOT, env=os.environ.copy(), start_new_session=True,
                              stdout=(tmp_path / "daemon.log").open("w"), stderr=subprocess.STDOUT)
    try:
        for file in sorted(SAMPLES.glob("*/*")):
            dirs.storage.put_file(file, f"landing/{file.parent.name}/{file.name}")
        started = time.monotonic()
        while (waiting := _waiting_for(dirs)) is not None:
            assert daemon.poll() is None, (tmp_path / "daemon.log").read_text()[-3000:]
            assert time.monotonic() - started < 240, waiting
            time.sleep(2)
        elapsed = time.monotonic() - started
        with dg.DagsterInstance.get() as instance:  # and the publication run finishes (the summary comes last)
            while not any(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in
                          instance.get_run_records(dg.RunsFilter(job_name="publish"))):
                assert time.monotonic() - started < 300, "no publication run succeeded"
                time.sleep(2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=60)
    assert _rows(dirs).keys() == expected.keys()
    for name, frame in _rows(dirs).items():
        assert frame.equals(expected[name]), name
    with dg.DagsterInstance.get() as instance:
        runs = [r for job in SUBMISSION_JOBS for r in instance.get_run_records(dg.RunsFilter(job_name=job))]
        publications = instance.get_run_records(dg.RunsFilter(job_name="publish"))
    assert len(runs) == 6 and {r.dagster_run.status for r in runs} == {dg.DagsterRunStatus.SUCCESS}
    assert _most_at_once(runs) == 2  # the queue let two run at once, never more
    # published by a run the sensor started after a submission run succeeded (a later one may still be going)
    assert dg.DagsterRunStatus.SUCCESS in {r.dagster_run.status for r in publications}
    assert {r.dagster_run.tags.get("accord/after") for r in publications} <= {r.dagster_run.run_id for r in runs}
    print(f"6 submissions published from S3 + PostgreSQL through the daemon in {elapsed:.0f} s")
