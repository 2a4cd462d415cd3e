"""The deployment's configuration, run for real: the data directory on an S3-compatible server, submission
records, locks and the Dagster instance in PostgreSQL (``deploy/dagster.yaml``), runs queued and launched by the
Dagster daemon two at a time, each in a process of its own with its own empty temporary folder. Files dropped
in the landing zone are picked up by the sensor, processed and published; the published rows are those of a
local run."""

from __future__ import annotations

import shutil

import dagster as dg

from accord.settings import data_dirs
from tests.conftest import ROOT, SAMPLES, seed_landing
from tests.helpers import publication_pending, published_rows
from tests.intake.pipeline import run_pipeline
from tests.services import dagster_process, wait_for

SUBMISSION_JOBS = ("person_v1_submission", "benefit_payment_v1_submission")


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
        expected = published_rows(data_dirs(reference))

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("ACCORD_DATA_DIR", remote_data)
    monkeypatch.setenv("ACCORD_PROJECT_DIR", str(ROOT))
    monkeypatch.setenv("ACCORD_MAX_CONCURRENT_RUNS", "2")
    monkeypatch.setenv("ACCORD_SUBMISSIONS_PER_RUN", "1")  # one run per submission: spread over the two slots
    monkeypatch.delenv("ACCORD_WORK_DIR", raising=False)  # each run process makes its own temporary folder
    dirs = data_dirs(remote_data)
    log = tmp_path / "daemon.log"
    with dagster_process(["dagster._daemon", "run", "-m", "pipelines.definitions"], log, ROOT) as daemon:
        for file in sorted(SAMPLES.glob("*/*")):
            dirs.storage.put_file(file, f"landing/{file.parent.name}/{file.name}")
        # a bound on the wait, not a speed target (110 s on a quiet machine; a fresh clone's CI once needed more
        # than 240 s: every run process there was three times slower)
        elapsed = wait_for(lambda: publication_pending(dirs), 600, daemon, log)
        with dg.DagsterInstance.get() as instance:  # and the publication run finishes (the summary comes last)
            wait_for(lambda: None if any(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in instance
                                         .get_run_records(dg.RunsFilter(job_name="publish"))) else "publish run",
                     60, daemon, log)
    assert published_rows(dirs).keys() == expected.keys()
    for name, frame in published_rows(dirs).items():
        assert frame.equals(expected[name]), name
    with dg.DagsterInstance.get() as instance:
        runs = [r for job in SUBMISSION_JOBS for r in instance.get_run_records(dg.RunsFilter(job_name=job))]
        publications = instance.get_run_records(dg.RunsFilter(job_name="publish"))
    assert len(runs) == 8 and {r.dagster_run.status for r in runs} == {dg.DagsterRunStatus.SUCCESS}
    assert _most_at_once(runs) == 2  # the queue let two run at once, never more
    # published by a run the sensor started after a submission run succeeded (a later one may still be going)
    assert dg.DagsterRunStatus.SUCCESS in {r.dagster_run.status for r in publications}
    assert {r.dagster_run.tags.get("accord/after") for r in publications} <= {r.dagster_run.run_id for r in runs}
    print(f"8 submissions published from S3 + PostgreSQL through the daemon in {elapsed:.0f} s")
