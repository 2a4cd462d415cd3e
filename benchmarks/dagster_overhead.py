"""What Dagster costs on the bundled samples: ``accord run --samples`` (pickup, submission runs, publication,
through a fresh Dagster instance) against the same work done by the engine alone
(``tests/intake/pipeline.py``), each in a fresh process, imports included.

    python benchmarks/dagster_overhead.py [--repeat 3] [--code DIR]

``--code DIR`` runs ``accord run`` from another checkout (``git worktree add DIR <commit>``), to compare with
an earlier version of the code location. Writes ``benchmarks/results/dagster-overhead-<time>.json``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _timed(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    return time.perf_counter() - started, done.stdout


def _env(work: Path, code: Path | None) -> dict[str, str]:
    home = work / "dagster_home"
    home.mkdir(parents=True)
    shutil.copyfile(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "COLUMNS": "200"}
    env.pop("ACCORD_DATABASE_URL", None)
    if code is not None:
        env["PYTHONPATH"] = f"{code / 'src'}{os.pathsep}{code}"
    return env


def _engine(work: Path) -> float:
    data = work / "engine" / "data"
    for file in sorted((ROOT / "samples" / "landing").glob("*/*")):
        (data / "landing" / file.parent.name).mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, data / "landing" / file.parent.name / file.name)
    seconds, _ = _timed([sys.executable, "tests/intake/pipeline.py", str(data), str(ROOT)], _env(work / "e", None))
    return seconds


def _dagster(work: Path, code: Path | None) -> tuple[float, int]:
    accord = [sys.executable, "-c", "from accord.cli import main; main()"]
    seconds, output = _timed([*accord, "run", "--samples", "--data-dir", str(work / "dagster" / "data"),
                              "--project-dir", str(ROOT)], _env(work / "d", code), code or ROOT)
    runs = re.search(r"dagster runs ([0-9a-f, ]+)", output)
    return seconds, len(runs.group(1).split(",")) if runs else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--code", type=Path, default=None, help="a checkout whose code location to time")
    args = parser.parse_args()
    engine, dagster, runs = [], [], 0
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="accord-overhead-") as folder:
            engine.append(_engine(Path(folder)))
            seconds, runs = _dagster(Path(folder), args.code)
            dagster.append(seconds)
    result = {"code": str(args.code or ROOT), "repeat": args.repeat, "dagster_runs": runs,
              "engine_seconds": engine, "accord_run_seconds": dagster,
              "median_engine": statistics.median(engine), "median_accord_run": statistics.median(dagster),
              "median_overhead": statistics.median(dagster) - statistics.median(engine)}
    out = ROOT / "benchmarks" / "results" / f"dagster-overhead-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
