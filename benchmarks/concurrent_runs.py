"""Two workers against one: four submissions through the deployment's configuration (data directory on a local
S3-compatible server, PostgreSQL, the Dagster daemon launching queued runs, ``deploy/dagster.yaml``), once with
``ACCORD_MAX_CONCURRENT_RUNS=1`` and once with 2. Wall seconds from the upload of the four files to their
publication; results in benchmarks/results/.

    python benchmarks/concurrent_runs.py --rows 250000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generate import write

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.services import postgres_server, s3_server  # noqa: E402


def _published(dirs, contract, submissions: int) -> bool:
    from accord.intake import store_for
    from accord.publish.manifest import manifest_key, read_manifest
    from accord.publish.tables import AGENCIES, INTEGRATED

    records = store_for(dirs).all()
    if len(records) < submissions or any(r.status != "processed" for r in records):
        return False
    if not dirs.storage.exists(manifest_key(contract)):
        return False
    tables = read_manifest(dirs, contract)["tables"]
    return tables[INTEGRATED] is not None and tables[INTEGRATED]["source_version"] == tables[AGENCIES]["version"]


def run_once(files: list[Path], workers: int, server, database: str, work: Path) -> float:
    import boto3

    from accord.contracts import ContractRegistry
    from accord.settings import data_dirs

    bucket = f"bench-{workers}-{int(time.time())}"
    boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=server.env["AWS_ACCESS_KEY_ID"],
                 aws_secret_access_key=server.env["AWS_SECRET_ACCESS_KEY"],
                 region_name=server.env["AWS_REGION"]).create_bucket(Bucket=bucket)
    home = work / f"dagster_home_{workers}"
    home.mkdir()
    shutil.copyfile(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, **server.env, "DAGSTER_HOME": str(home), "ACCORD_DATA_DIR": f"s3://{bucket}/data",
           "ACCORD_DATABASE_URL": database, "ACCORD_MAX_CONCURRENT_RUNS": str(workers),
           "ACCORD_PROJECT_DIR": str(ROOT), "ACCORD_PII_KEY": "benchmark-key-0123456789abcdef0123456789",
           "POLARS_MAX_THREADS": "2"}
    os.environ.update(env)
    dirs = data_dirs(env["ACCORD_DATA_DIR"])
    contract = ContractRegistry.load(ROOT / "contracts").resolve("person", 1)
    daemon = subprocess.Popen([sys.executable, "-m", "dagster._daemon", "run", "-m", "pipelines.definitions"],
                              cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        time.sleep(10)  # the daemon and its code server start before the files arrive
        started = time.perf_counter()
        for file in files:
            dirs.storage.put_file(file, f"landing/rrn/{file.name}")
        while not _published(dirs, contract, len(files)):
            if daemon.poll() is not None:
                raise RuntimeError("the daemon stopped")
            time.sleep(1)
        return time.perf_counter() - started
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=250_000, help="rows of each of the four submissions")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="accord-concurrent-"))
    files = [write(work / "extracts" / f"personnes_2026-{month:02d}.csv", args.rows, first_id=i * args.rows)
             for i, month in enumerate((9, 10, 11, 12))]
    results = {}
    with s3_server(work / "moto.log") as server, postgres_server() as admin:
        import sqlalchemy as sa

        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        for workers in (1, 2):
            with engine.connect() as connection:
                connection.execute(sa.text(f"create database bench_{workers}"))
            database = admin.rsplit("/", 1)[0] + f"/bench_{workers}"
            results[workers] = run_once(files, workers, server, database, work)
            print(f"{workers} worker(s): {results[workers]:.1f} s", flush=True)
        engine.dispose()
    payload = {"rows_per_submission": args.rows, "submissions": len(files), "seconds": results,
               "speed_up": results[1] / results[2], "measured_at": dt.datetime.now(dt.UTC).isoformat()}
    out = ROOT / "benchmarks" / "results" / f"concurrent-{args.rows}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(payload, indent=2))
    print(json.dumps(payload, indent=2))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
