"""Pickup and processing killed at every step boundary (fault-injection points, ``accord.faults``): the next
run finishes or undoes what the killed one left, and ends with the same records, archive, quarantine and
published bytes as a run that was never interrupted."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from accord.publish.pseudonym import KEY_ENV
from tests.conftest import ROOT, TEST_KEY, seed_landing
from tests.intake.pipeline import run_pipeline, state

# (point[@n-th time it is reached], with the dataset rules): Great Expectations takes a few seconds per run,
# so only the point that follows it runs them
POINTS = [
    ("pickup.after-intent", False), ("pickup.after-copy@3", False), ("pickup.after-archive@2", False),
    ("pickup.after-record@6", False), ("pickup.after-remove@4", False), ("process.after-extract", False),
    ("process.after-stage@2", False), ("process.after-quarantine@3", False), ("process.after-dataset-rules@4", True),
    ("process.after-report@5", False), ("process.after-report@6", False),
]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """The state of a run never interrupted, without and with the dataset rules."""
    states = {}
    for rules in (False, True):
        data = tmp_path_factory.mktemp("reference") / "data"
        seed_landing(data / "landing")
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(KEY_ENV, TEST_KEY)
            run_pipeline(data, ROOT, dataset_rules=rules)
        states[rules] = state(data)
    return states


@pytest.mark.parametrize(("point", "rules"), POINTS, ids=[p for p, _ in POINTS])
def test_a_killed_run_is_finished_by_the_next_one(point, rules, tmp_path, uninterrupted):
    data = tmp_path / "data"
    seed_landing(data / "landing")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ACCORD_FAULT": point}
    command = [sys.executable, str(ROOT / "tests" / "intake" / "pipeline.py"), str(data), str(ROOT)]
    child = subprocess.run(command + ([] if rules else ["--no-dataset-rules"]), env=env, capture_output=True,
                           timeout=300)
    assert child.returncode == -9, child.stderr.decode()[-2000:]  # killed at the point, not finished
    assert state(data) != uninterrupted[rules]
    run_pipeline(data, ROOT, dataset_rules=rules)
    assert state(data) == uninterrupted[rules]
