"""Integration that follows the change (``bench.py --scenario incremental``): three agencies' published person
rows in the agencies table, a full integration, then one agency's new submission and the integration that
follows it, against a full rebuild of the same agencies version (rows compared value by value, in order).

    python benchmarks/incremental.py --rows 10000000 --new 10000 [--scatter]

The published rows are generated straight into the agencies table (``replace_submissions``, as a publication
does): processing 10 M rows is not what this measures. Agencies share one ``person_id`` space with overlaps,
so the integration merges records. The new submission brings ``--new`` people: a block of consecutive file
numbers, half of them already known to another agency (as a month's new and transferred files); with
``--scatter``, the same number of people spread over the whole key space instead (the worst case: every key
range is touched).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow as pa

from accord.contracts import ContractRegistry
from accord.integrate import integrate
from accord.publish.parquet import dataset_schema
from accord.publish.pseudonym import load_key
from accord.publish.tables import AGENCIES, INTEGRATED, Table, replace_submissions
from accord.settings import data_dirs

ROOT = Path(__file__).resolve().parents[1]
AGENCY_NAMES = ("rrn", "nho", "cba")
BATCH = 500_000


def people(ids: pl.Series, agency: str, submission: str, at: dt.datetime) -> pl.DataFrame:
    """Published person rows (pseudonym-like text where the contract pseudonymises) for ``ids``."""
    frame = pl.DataFrame({"n": ids})
    digest = pl.col("n").hash(seed=len(submission))
    return frame.select(
        pl.format("P-{}", pl.col("n").cast(pl.String).str.zfill(9)).alias("person_id"),
        digest.cast(pl.String).str.zfill(22).alias("sin"),
        (digest // 7).cast(pl.String).str.slice(0, 22).alias("family_name"),
        (digest // 11).cast(pl.String).str.slice(0, 22).alias("given_name"),
        (digest // 13).cast(pl.String).str.slice(0, 22).alias("birth_date"),
        pl.lit("F").alias("sex"),
        pl.lit("H2X 1Y4").alias("postal_code"),
        pl.lit("QC").alias("province"),
        pl.lit("fr").alias("preferred_language"),
        pl.lit(agency).alias("_agency"),
        pl.lit(submission).alias("_submission_id"),
        pl.lit(f"{agency}_personnes.csv").alias("_source_file"),
        (pl.int_range(pl.len()) + 2).alias("_source_row"),
        pl.lit(at).dt.replace_time_zone("UTC").alias("_ingested_at"),
    )


def publish(table: Table, schema: pa.Schema, agency: str, submission: str, ids: pl.Series, at: dt.datetime) -> None:
    def batches() -> Iterator[pa.RecordBatch]:
        for start in range(0, ids.len(), BATCH):
            yield from people(ids.slice(start, BATCH), agency, submission, at).to_arrow().cast(schema).to_batches()
    replace_submissions(table, agency, batches(), schema, [submission], {"accord.agency": agency})


def timed(action: str, function, *args, **kwargs) -> dict[str, float]:  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args, **kwargs)
    figures = {"wall_s": round(time.perf_counter() - wall, 3), "cpu_s": round(time.process_time() - cpu, 3)}
    print(f"{action:34} wall {figures['wall_s']:7.2f} s  CPU {figures['cpu_s']:7.2f} s", flush=True)
    return figures


def digest(table: Table) -> tuple[int, str]:
    """Rows and a SHA-256 over the hashes of the table's rows in key order (a Delta table's files have no
    order of their own)."""
    frame = table.scan().collect().sort("person_id")
    return frame.height, hashlib.sha256(frame.hash_rows(seed=0).to_numpy().tobytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--scatter", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("ACCORD_PII_KEY", "benchmark-key-0123456789abcdef0123456789")
    contract = ContractRegistry.load(ROOT / "contracts").resolve("person", 1)
    schema = dataset_schema(contract)
    key = load_key()
    work = Path(tempfile.mkdtemp(prefix="accord-incremental-"))
    dirs = data_dirs(str(work / "data"))
    table = Table(dirs, contract, AGENCIES)
    each = args.rows // len(AGENCY_NAMES)
    month = dt.datetime(2026, 10, 1)
    for i, agency in enumerate(AGENCY_NAMES):  # agency i holds ids [0.8 i, 0.8 i + 1) x each: neighbours overlap
        start = int(0.8 * i * each)
        publish(table, schema, agency, f"{agency}-2026-10", pl.int_range(start, start + each, eager=True), month)
    results: dict[str, object] = {"rows": args.rows, "new": args.new, "scatter": args.scatter}
    results["full"] = timed("full integration", integrate, contract, dirs, key)
    top = int(0.8 * 2 * each) + each
    if args.scatter:
        ids = pl.int_range(0, top, step=top // args.new, eager=True).head(args.new)
    else:  # half beyond every agency's ids, half known to nho (transferred files)
        ids = pl.int_range(top - args.new // 2, top + args.new - args.new // 2, eager=True)
    publish(table, schema, "rrn", "rrn-2026-11", ids, dt.datetime(2026, 11, 1))
    results["incremental"] = timed(f"after {args.new} new rows", integrate, contract, dirs, key)
    integrated = Table(dirs, contract, INTEGRATED)
    results["files"] = len(integrated.files())
    incremental = digest(integrated)
    results["rebuild"] = timed("full rebuild, same agencies version", integrate, contract, dirs, key, rebuild=True)
    rebuilt = digest(integrated)
    results["identical"] = incremental == rebuilt
    results["integrated_rows"] = rebuilt[0]
    results["incremental/rebuild"] = round(results["incremental"]["wall_s"] / results["rebuild"]["wall_s"], 3)  # type: ignore[index]
    print(json.dumps(results, indent=2))
    out = ROOT / "benchmarks" / "results" / (f"incremental-{args.rows}-{'scatter-' if args.scatter else ''}"
                                             f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.json")
    out.write_text(json.dumps(results, indent=2) + "\n")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
