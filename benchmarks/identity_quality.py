"""Identity resolution against a known truth: synthetic citizens copied across four agencies with the usual
differences (benchmarks/people.py), trained, linked and measured: precision, recall and F1 of the pairs of records
across agencies, time and peak memory; then a new month linked incrementally, and the keys of unchanged people
compared before and after.

    .venv/bin/python benchmarks/identity_quality.py --people 400000 --out benchmarks/results/identity.json
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, cast

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
import people as synthetic

from accord.contracts.loader import load_contract
from accord.identity.keys import ENTITY_KEY
from accord.identity.link import Engine
from accord.identity.model import AGENCY, RECORD, declaration_of
from accord.identity.normalise import normalised
from accord.identity.population import resolve_population
from accord.identity.train import train
from accord.publish.pseudonym import PseudonymKey

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "contracts" / "person" / "1.0.0.yaml"
KEY = PseudonymKey(b"benchmark-key-benchmark-key-0123456789", "benchmark")


def as_population(frames: dict[str, pl.DataFrame], contract) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    rows = pl.concat([f.with_columns(pl.lit(a).alias(AGENCY)) for a, f in frames.items()], how="vertical_relaxed")
    rows = rows.with_columns((pl.col(AGENCY) + "\x1f" + pl.col("person_id")).alias(RECORD))
    declared = contract.identity
    out = normalised(rows, contract, declared)
    return out.select(RECORD, AGENCY, *[c for c in out.columns if c in (*declared.fields, "name_key")], "_person")


def cross_pairs(sizes: pl.DataFrame, by: list[str]) -> int:
    """Pairs of records at two different agencies within each group of ``by``."""
    per_agency = sizes.group_by([*by, AGENCY]).agg(pl.col("n").sum())
    totals = per_agency.group_by(by).agg((pl.col("n").sum() ** 2 - (pl.col("n") ** 2).sum()) / 2)
    return int(totals.get_column("n").sum())


def quality(population: pl.DataFrame, assigned: pl.DataFrame) -> dict[str, float]:
    joined = population.select(RECORD, AGENCY, "_person").join(assigned.select(RECORD, ENTITY_KEY), on=RECORD)
    counted = joined.group_by(ENTITY_KEY, "_person", AGENCY).agg(pl.len().alias("n"))
    true_positive = cross_pairs(counted, [ENTITY_KEY, "_person"])
    predicted = cross_pairs(counted, [ENTITY_KEY])
    actual = cross_pairs(counted, ["_person"])
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    in_two = joined.group_by(RECORD).agg(pl.col(ENTITY_KEY).n_unique()).filter(pl.col(ENTITY_KEY) > 1).height
    return {"pairs_true": actual, "pairs_found": predicted, "true_positives": true_positive,
            "precision": round(precision, 5), "recall": round(recall, 5), "f1": round(f1, 5),
            "records_in_two_keys": in_two}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(work: Path, people: int, month_share: float) -> dict[str, object]:
    """The population, the month of newcomers, and a model trained on the population (not measured)."""
    contract = load_contract(CONTRACT)
    started = time.perf_counter()
    everyone = synthetic.population(people)
    newcomers = int(people * month_share)
    population = as_population(synthetic.copies(everyone.head(people - newcomers)), contract)
    month = synthetic.copies(everyone.tail(newcomers), seed=23)
    month = {a: f.with_columns((pl.lit(a.upper() + "-M") + pl.col("person_id").str.slice(4)).alias("person_id"))
             for a, f in month.items()}
    added = as_population(month, contract)
    population.write_parquet(work / "population.parquet")
    pl.concat([population, added]).write_parquet(work / "grown.parquet")
    made = time.perf_counter() - started
    started = time.perf_counter()
    model, _ = train(contract, population.drop("_person"), Engine.duckdb().db_api)
    (work / "model.json").write_text(json.dumps(model.splink))
    return {"people": people - newcomers, "records": population.height, "month_records": added.height,
            "generate_s": round(made, 1), "train_s": round(time.perf_counter() - started, 1)}


def link(work: Path, phase: str) -> dict[str, object]:
    """One linkage in this process (its own peak memory): ``full`` on the population, ``month`` on the grown
    population, incrementally from the full run's keys and scores."""
    contract = load_contract(CONTRACT)
    declared = declaration_of(contract)
    trained = json.loads((work / "model.json").read_text())
    grown = phase == "month"
    people = pl.read_parquet(work / ("grown.parquet" if grown else "population.parquet"))
    kept: dict[str, pl.DataFrame | None] = {"previous": pl.DataFrame(schema={RECORD: pl.String, ENTITY_KEY: pl.String}),
                                           "before": None, "kept_scores": None}
    if grown:
        kept = {"previous": pl.read_parquet(work / "full-keys.parquet"),
                "before": pl.read_parquet(work / "population.parquet").drop("_person"),
                "kept_scores": pl.read_parquet(work / "full-scores.parquet")}
    started = time.perf_counter()
    outcome = resolve_population(people.drop("_person"), declared, trained, Engine.duckdb(), KEY, contract.id,
                                 **kept)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    result: dict[str, object] = {"link_s": round(seconds, 1), "detail": outcome.stats,
                                 "quality": quality(people, outcome.assigned), "peak_rss_mb": round(peak_mb())}
    if grown:
        before = pl.read_parquet(work / "full-keys.parquet")
        after = before.join(outcome.assigned.select(RECORD, ENTITY_KEY), on=RECORD, suffix="_after")
        result["keys_changed_for_existing_records"] = after.filter(
            pl.col(ENTITY_KEY) != pl.col(f"{ENTITY_KEY}_after")).height
    else:
        outcome.assigned.select(RECORD, ENTITY_KEY).write_parquet(work / "full-keys.parquet")
        outcome.scored.write_parquet(work / "full-scores.parquet")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=40_000)
    parser.add_argument("--month", type=float, default=0.1, help="new people in the incremental month, as a share")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--phase", choices=["prepare", "full", "month"], help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        found = prepare(args.work, args.people, args.month) if args.phase == "prepare" else link(args.work, args.phase)
        print(json.dumps(found))
        return
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="accord-identity-bench-") as work:
        for phase in ("prepare", "full", "month"):
            command = [sys.executable, __file__, "--phase", phase, "--work", work, "--people", str(args.people),
                       "--month", str(args.month)]
            done = subprocess.run(command, check=False, capture_output=True, text=True)  # noqa: S603 (this script)
            if done.returncode:
                sys.exit(f"{phase} failed:\n{done.stderr[-3000:]}")
            result[phase] = json.loads(done.stdout.strip().splitlines()[-1])
    full, month = cast(dict[str, Any], result["full"]), cast(dict[str, Any], result["month"])
    result["incremental_share_of_full"] = round(month["link_s"] / full["link_s"], 3)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
