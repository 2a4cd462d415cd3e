"""Two runs at once on one data directory (two ``accord run``, or a run and the sensor): one pickup at a time,
one run per submission; together they end with the same records and bytes as one run, each submission
processed once."""

from __future__ import annotations

import os
import subprocess
import sys

from accord.intake import Intake
from accord.settings import data_dirs
from tests.conftest import ROOT, seed_landing
from tests.intake.pipeline import run_pipeline, state


def test_two_runs_at_once_end_as_one(tmp_path):
    reference = tmp_path / "one" / "data"
    seed_landing(reference / "landing")
    run_pipeline(reference, ROOT, dataset_rules=False)
    data = tmp_path / "two" / "data"
    seed_landing(data / "landing")
    command = [sys.executable, str(ROOT / "tests" / "intake" / "pipeline.py"), str(data), str(ROOT),
               "--no-dataset-rules"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE) for _ in range(2)]
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr.decode()[-2000:]
    assert state(data) == state(reference)
    records = Intake(data_dirs(data), []).store.all()
    # each processed by one run only (7 files; msa's delivery feeds two contracts)
    assert len(records) == 8 and {r.attempts for r in records} == {1}
