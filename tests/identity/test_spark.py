"""The Spark backend runs the same contract's linkage, in local mode, and agrees with DuckDB on the samples."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from accord.agency import run_agency
from accord.identity.keys import ENTITY_KEY
from accord.identity.link import Engine
from accord.identity.model import RECORD, load_model
from accord.identity.population import resolve_population
from accord.identity.resolve import population
from accord.publish.pseudonym import PseudonymKey
from tests.conftest import ROOT

SPARK_LIB = ROOT / ".venv" / "spark-lib"  # make install puts pyspark there, apart (requirements-spark.lock)


@pytest.mark.skipif(not (SPARK_LIB / "pyspark").is_dir() or shutil.which("java") is None,
                    reason="pyspark (make install) and Java are needed")
def test_spark_agrees_with_duckdb_on_the_samples(mappings, data, person, tmp_path):
    for mapping in mappings.values():
        if mapping.contract.id == "person":
            run_agency(mapping, data, dataset_rules=False)
    people = population(data, person).drop(person.primary_key)
    people.write_parquet(tmp_path / "people.parquet")
    duck = resolve_population(people, person.identity, load_model(person).splink, Engine.duckdb(),
                              PseudonymKey(b"spark-test-key-0123456789abcdef0123456", "test"), person.id,
                              previous=pl.DataFrame(schema={RECORD: pl.String, ENTITY_KEY: pl.String}))
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SPARK_LIB), str(ROOT)]),
                       SPARK_LOCAL_IP="127.0.0.1", PYSPARK_PYTHON=sys.executable)
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("spark_link.py")),
                           str(tmp_path / "people.parquet"), str(ROOT / "contracts"), str(tmp_path / "checkpoints")],
                          env=environment,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-6000:]
    spark = json.loads(done.stdout.strip().splitlines()[-1])
    groups = duck.assigned.group_by(ENTITY_KEY).agg(pl.col(RECORD).sort()).get_column(RECORD).to_list()
    assert spark["groups"] == sorted(groups)
    assert len([g for g in spark["groups"] if len(g) > 1]) == 4
    assert spark["rules"] == dict(duck.assigned.select(RECORD, "match_rule").iter_rows())
    assert [tuple(p) for p in spark["review"]] == duck.review.select("record_id_l", "record_id_r").rows() == [
        ("cba\x1fCBA-9011", "nho\x1fNHO-501")]
