"""accord's benchmark (``make bench``): on one generated extract, the floor (polars read -> Parquet), a
hand-written pandas harmonisation, accord's engine alone, cold and in a warm worker, ``accord check`` and
``accord run`` (Dagster), each in a fresh process, repeated in rounds (every step once per round, so a slower
spell of the machine weighs on all steps alike); median, spread, CPU seconds and peak RSS, and the ratios to the
floor and to ``polars_hand``; results in benchmarks/results/.

    python benchmarks/bench.py --rows 200000 --repeat 3
    python benchmarks/bench.py --scenario incremental --rows 10000000    # integration after a new submission

Files above 512 MiB (about 7 million rows) exceed accord's default file-size limit: raise it for the run,
e.g. ``ACCORD_MAX_FILE_BYTES=2000000000``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from generate import write

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FLOOR = ("import polars as pl, sys; pl.read_csv(sys.argv[1], separator=';', encoding='utf8-lossy', "
         "infer_schema=False).write_parquet(sys.argv[2])")


def measure(command: list[str], env: dict[str, str], prepare: Callable[[], None] = lambda: None,
            answers: tuple[int, ...] = (0,), inner: bool = False) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system) of one run of ``command`` in its own
    process (``inner``: the wall and CPU seconds the process prints itself, as JSON, for its work alone); any
    exit code but ``answers`` is a failure (a Python error exits 1: only ``accord check`` may answer 1, rows
    quarantined)."""
    prepare()
    with tempfile.TemporaryFile() as stderr, tempfile.TemporaryFile() as stdout:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code not in answers:
            stderr.seek(0)
            raise RuntimeError(f"{command[:3]} exited {code}: {stderr.read().decode()[-2000:]}")
        if inner:
            stdout.seek(0)
            own = json.loads(stdout.read().decode().strip().splitlines()[-1])
            return own["wall_s"], usage.ru_maxrss / 1024, own["cpu_s"]
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def published_sizes(data: Path, source_bytes: int) -> dict[str, float]:
    """Bytes on disk of the person tables (data files and Delta log) and of the staged parts, and each table's
    ratio to the source extract."""
    base = data / "published" / "person" / "v1"
    sizes: dict[str, float] = {name: folder_bytes(base / name) for name in ("agencies", "integrated", ".staged")}
    for name in ("agencies", "integrated"):
        sizes[f"{name}/source"] = round(sizes[name] / source_bytes, 3)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", default="floor,polars_hand,pandera_alone,pandas,accord_engine,accord_warm,"
                                           "accord_check,accord_check_1_row,accord_run,samples_engine,samples_run,"
                                           "run_1_worker,run_2_workers")
    parser.add_argument("--scenario", choices=["extract", "incremental"], default="extract",
                        help="incremental: benchmarks/incremental.py (--rows published rows, 10,000 new)")
    args = parser.parse_args()
    if args.scenario == "incremental":
        for scatter in ([], ["--scatter"]):
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "incremental.py"), "--rows",  # noqa: S603
                            str(args.rows), *scatter], check=True)
        return
    work = Path(tempfile.mkdtemp(prefix="accord-bench-"))
    extract = write(work / "personnes_2026-11.csv", args.rows)
    one_row = write(work / "one" / "personnes_2026-11.csv", 1)
    halves = [write(work / "halves" / f"personnes_2026-{month}.csv", args.rows // 2, first_id=i * args.rows)
              for i, month in enumerate((11, 12))]
    env = {**os.environ, "ACCORD_PII_KEY": "benchmark-key-0123456789abcdef0123456789", "POLARS_MAX_THREADS": "2",
           "DAGSTER_HOME": str(work / "dagster_home"), "XDG_CONFIG_HOME": str(work / "xdg")}
    (work / "dagster_home").mkdir()
    shutil.copyfile(ROOT / "dagster_home" / "dagster.yaml", work / "dagster_home" / "dagster.yaml")
    data = work / "data"

    def fresh_landing() -> None:
        shutil.rmtree(data, ignore_errors=True)
        (data / "landing" / "rrn").mkdir(parents=True)
        shutil.copyfile(extract, data / "landing" / "rrn" / extract.name)

    def landing_of(files: list[Path]) -> Callable[[], None]:
        def prepare() -> None:
            shutil.rmtree(data, ignore_errors=True)
            for file in files:
                target = data / "landing" / file.parent.name.replace("halves", "rrn") / file.name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, target)
        return prepare

    samples = sorted((ROOT / "samples" / "landing").glob("*/*"))
    python = str(BIN / "python")
    run = [str(BIN / "accord"), "run", "--quiet", "--data-dir", str(data), "--project-dir", str(ROOT)]
    steps: dict[str, tuple[list[str], Callable[[], None]]] = {
        "floor": ([python, "-c", FLOOR, str(extract), str(work / "floor.parquet")], lambda: None),
        "pandas": ([python, str(ROOT / "benchmarks" / "pandas_path.py"), str(extract), str(work / "pd.parquet")],
                   lambda: None),
        # the yardstick: the same mapping and the contract's rules written by hand in polars
        "polars_hand": ([python, str(ROOT / "benchmarks" / "polars_hand.py"), str(extract),
                         str(work / "hand.parquet")], lambda: None),
        # the contract's row rules as accord compiles them, run by pandera alone on the frame polars read
        "pandera_alone": ([python, str(ROOT / "benchmarks" / "pandera_alone.py"), str(extract)], lambda: None),
        "accord_check_1_row": ([str(BIN / "accord"), "check", str(one_row), "--agency", "rrn", "--contract",
                                "person", "--quiet", "--project-dir", str(ROOT)], lambda: None),
        "accord_engine": ([python, str(ROOT / "benchmarks" / "engine_only.py"), str(ROOT), str(data)], fresh_landing),
        # the engine's work alone in a process whose imports are done, as in a running worker
        "accord_warm": ([python, str(ROOT / "benchmarks" / "engine_only.py"), str(ROOT), str(data), "--warm"],
                        fresh_landing),
        "accord_check": ([str(BIN / "accord"), "check", str(extract), "--agency", "rrn", "--contract", "person",
                          "--quiet", "--project-dir", str(ROOT)], lambda: None),
        "accord_run": (run, fresh_landing),
        # the bundled samples: 6 small files from 3 agencies; run - engine = what Dagster adds to a run
        "samples_engine": ([python, str(ROOT / "benchmarks" / "engine_only.py"), str(ROOT), str(data)],
                           landing_of(samples)),
        "samples_run": (run, landing_of(samples)),
        # the same rows in two files (two submissions), one worker process or two
        "run_1_worker": ([*run, "--workers", "1"], landing_of(halves)),
        "run_2_workers": ([*run, "--workers", "2"], landing_of(halves)),
    }
    results = {}
    sizes: dict[str, float] = {}
    names = args.steps.split(",")
    measured: dict[str, list[tuple[float, float, float]]] = {name: [] for name in names}
    for round_ in range(args.repeat):  # interleaved: a slower spell of the machine weighs on every step alike
        for name in names:
            command, prepare = steps[name]
            answers = (0, 1) if name.startswith("accord_check") else (0,)
            wall, _, cpu = measure(command, env, prepare, answers, inner=name == "accord_warm")
            measured[name].append((wall, _, cpu))
            print(f"round {round_ + 1} {name:18} wall {wall:7.2f} s  CPU {cpu:7.2f} s", flush=True)
            if name == "accord_run" and round_ == args.repeat - 1:  # before the next steps replace the data
                sizes = published_sizes(data, extract.stat().st_size)
                print(f"published bytes {sizes}", flush=True)
    for name, runs in measured.items():
        seconds = [r[0] for r in runs]
        results[name] = {"median_s": round(statistics.median(seconds), 3), "min_s": round(min(seconds), 3),
                         "max_s": round(max(seconds), 3), "peak_rss_mb": round(max(r[1] for r in runs), 1),
                         "median_cpu_s": round(statistics.median(r[2] for r in runs), 3)}
        print(f"{name:14} median {results[name]['median_s']:8.2f} s  (min {results[name]['min_s']:.2f}, "
              f"max {results[name]['max_s']:.2f})  CPU {results[name]['median_cpu_s']:8.2f} s  "
              f"peak RSS {results[name]['peak_rss_mb']:8.1f} MB", flush=True)
    ratios = {}
    if "floor" in results:
        for name in ("accord_engine", "accord_warm", "accord_check", "accord_run", "pandas"):
            if name in results:
                ratios[f"{name}/floor"] = round(results[name]["median_s"] / results["floor"]["median_s"], 2)
                ratios[f"{name}/floor_cpu"] = round(results[name]["median_cpu_s"] / results["floor"]["median_cpu_s"], 2)
    if "polars_hand" in results:  # issue 26: every step's CPU to the hand-written polars pipeline
        hand = results["polars_hand"]["median_cpu_s"]
        for name, result in results.items():
            ratios[f"{name}/polars_hand_cpu"] = round(result["median_cpu_s"] / hand, 2)
    if "pandas" in results and "accord_run" in results:
        ratios["pandas/accord_run"] = round(results["pandas"]["median_s"] / results["accord_run"]["median_s"], 2)
        cpu = results["pandas"]["median_cpu_s"] / results["accord_run"]["median_cpu_s"]
        ratios["pandas/accord_run_cpu"] = round(cpu, 2)
    if "accord_engine" in results and "accord_run" in results:
        overhead = results["accord_run"]["median_s"] - results["accord_engine"]["median_s"]
        ratios["dagster_overhead_s"] = round(overhead, 2)
    if "samples_engine" in results and "samples_run" in results:
        overhead = results["samples_run"]["median_s"] - results["samples_engine"]["median_s"]
        ratios["dagster_overhead_3_agencies_s"] = round(overhead, 2)
    if "run_1_worker" in results and "run_2_workers" in results:
        ratios["speedup_2_workers"] = round(results["run_1_worker"]["median_s"] / results["run_2_workers"]["median_s"],
                                            2)
    print(json.dumps(ratios, indent=2))
    out = ROOT / "benchmarks" / "results" / f"bench-{args.rows}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({"rows": args.rows, "file_bytes": extract.stat().st_size, "repeat": args.repeat,
                               "cpus": os.cpu_count(), "steps": results, "ratios": ratios,
                               "published_bytes": sizes}, indent=2))
    print(f"results: {out}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
