"""Run by test_spark.py in a process that has pyspark on its path (.venv/spark-lib): link a population, given
as a Parquet file, on a local Spark session; print each record's group as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl
from pyspark.sql import SparkSession

from accord.contracts import ContractRegistry
from accord.identity.keys import ENTITY_KEY
from accord.identity.link import Engine, spark_jars
from accord.identity.model import RECORD, load_model
from accord.identity.population import resolve_population
from accord.publish.pseudonym import PseudonymKey

population = pl.read_parquet(sys.argv[1])
contract = ContractRegistry.load(Path(sys.argv[2])).resolve("person", 1)
session = (SparkSession.builder.master("local[2]").appName("accord-identity-test")
           .config("spark.jars", spark_jars()).config("spark.sql.shuffle.partitions", "2")
           .config("spark.ui.enabled", "false").getOrCreate())
session.sparkContext.setCheckpointDir(sys.argv[3])  # Splink checkpoints intermediate tables
outcome = resolve_population(population, contract.identity, load_model(contract).splink, Engine.spark(session),
                             PseudonymKey(b"spark-test-key-0123456789abcdef0123456", "test"), contract.id,
                             previous=pl.DataFrame(schema={RECORD: pl.String, ENTITY_KEY: pl.String}))
groups = outcome.assigned.group_by(ENTITY_KEY).agg(pl.col(RECORD).sort()).get_column(RECORD).to_list()
print(json.dumps({"groups": sorted(groups), "review": outcome.review.select("record_id_l", "record_id_r").rows(),
                  "rules": dict(outcome.assigned.select(RECORD, "match_rule").iter_rows())}))
session.stop()
