from __future__ import annotations

import datetime as dt
import hashlib

import duckdb
import polars as pl
import pyarrow.parquet as pq

from accord.contracts.types import arrow_schema
from accord.integrate import integrate
from accord.process import run_agency
from accord.publish.parquet import dataset_schema, read_metadata
from tests.conftest import ROOT, SAMPLES


def test_metadata_and_schema_round_trip(mappings, data):
    mapping = mappings["rrn/person"]
    when = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)
    run_agency(mapping, data, ingested_at=when, dataset_rules=False)
    [file] = (data.published / "person" / "v1" / "agency=rrn").glob("*.parquet")
    source = SAMPLES / "rrn" / "personnes_2026-11.csv"
    source_sha = hashlib.sha256(source.read_bytes()).hexdigest()
    assert file.name == f"part-{source_sha[:16]}.parquet"
    assert read_metadata(file) == {
        "contract_id": "person",
        "contract_version": "1.0.0",
        "contract_sha256": mapping.contract.sha256,
        "agency": "rrn",
        "source_file": "personnes_2026-11.csv",
        "source_sha256": source_sha,
        "mapping_file": "rrn/person.yaml",
        "mapping_sha256": hashlib.sha256((ROOT / "mappings" / "rrn" / "person.yaml").read_bytes()).hexdigest(),
    }
    schema = pq.read_schema(file)
    assert schema.remove_metadata() == dataset_schema(mapping.contract)
    assert pq.ParquetFile(file).metadata.row_group(0).column(0).compression == "ZSTD"
    table = pl.read_parquet(file)
    assert table.columns == [*mapping.contract.field_names, "_agency", "_source_file", "_source_row", "_ingested_at"]
    assert table["_source_row"].to_list() == [2, 3, 4, 5, 9, 10, 11, 12, 13]
    assert set(table["_ingested_at"].to_list()) == {when}
    assert set(table["_agency"].to_list()) == {"rrn"}


def test_contract_columns_lead_the_dataset_schema(person):
    assert dataset_schema(person).names[: len(person.fields)] == arrow_schema(person).names


def test_integrated_dataset_unions_agencies_and_duckdb_reads_it(mappings, data, person):
    for name in ("rrn/person", "nho/person", "cba/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    result = integrate(person, data.published)
    assert (result.rows, result.rows_by_agency) == (23, {"cba": 8, "nho": 6, "rrn": 9})
    by_agency = duckdb.sql(
        f"select agency, count(*) from read_parquet('{data.published}/person/v1/agency=*/*.parquet', "
        "hive_partitioning=true) group by agency order by agency"
    ).fetchall()
    assert by_agency == [("cba", 8), ("nho", 6), ("rrn", 9)]
    types = {row[0]: row[1] for row in duckdb.sql(f"describe select * from '{result.file}'").fetchall()}
    assert (types["birth_date"], types["person_id"], types["_source_row"]) == ("DATE", "VARCHAR", "BIGINT")
