from __future__ import annotations

import hashlib

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from accord.agency import run_agency
from accord.integrate import integrate
from accord.publish.parquet import dataset_schema, read_metadata
from tests.conftest import RECEIVED, ROOT, SAMPLES


def test_metadata_and_schema_round_trip(mappings, data, pseudonym_key):
    mapping = mappings["rrn/person"]
    run_agency(mapping, data, dataset_rules=False)
    files = sorted((data.published / "person" / "v1" / "agency=rrn").glob("*.parquet"))
    source = SAMPLES / "rrn" / "personnes_2026-11.csv"
    source_sha = hashlib.sha256(source.read_bytes()).hexdigest()
    [file] = [f for f in files if f.name == f"part-{source_sha[:16]}.parquet"]
    assert len(files) == 2
    assert read_metadata(file) == {
        "contract_id": "person", "contract_version": "1.0.0", "contract_sha256": mapping.contract.sha256,
        "agency": "rrn", "source_file": "personnes_2026-11.csv", "source_sha256": source_sha,
        "mapping_file": "rrn/person.yaml",
        "mapping_sha256": hashlib.sha256((ROOT / "mappings" / "rrn" / "person.yaml").read_bytes()).hexdigest(),
        "pseudonym_key_id": pseudonym_key.key_id, "submission_id": f"rrn-{source_sha[:16]}",
    }
    assert pq.read_schema(file).remove_metadata() == dataset_schema(mapping.contract)
    assert pq.ParquetFile(file).metadata.row_group(0).column(0).compression == "ZSTD"
    table = pl.read_parquet(file)
    assert table.columns == [*mapping.contract.field_names, "_agency", "_source_file", "_source_row", "_ingested_at"]
    assert table["_source_row"].to_list() == [2, 3, 4, 5, 9, 10, 11, 12, 13]
    assert set(table["_ingested_at"].to_list()) == {RECEIVED}
    assert table.row(0, named=True)["province"] == "QC"  # not pii: in clear
    assert len(table.row(0, named=True)["family_name"]) == 64  # pii: a pseudonym


def test_pii_fields_are_strings_in_the_published_schema(person):
    schema = dataset_schema(person)
    assert [(f.name, f.type) for f in schema if f.name in ("sin", "birth_date", "province")] == [
        ("sin", pa.string()), ("birth_date", pa.string()), ("province", pa.string())]
    assert schema.field("birth_date").nullable is False


def test_integrated_dataset_deduplicates_and_duckdb_reads_it(mappings, data, person, pseudonym_key):
    for name in ("rrn/person", "nho/person", "cba/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    result = integrate(person, data.published, pseudonym_key)
    assert (result.records_before_dedup, result.rows, result.merged_records) == (26, 24, 2)
    assert result.rows_by_agency == {"cba": 8, "nho": 6, "rrn": 10}
    by_agency = duckdb.sql(
        f"select agency, count(*) from read_parquet('{data.published}/person/v1/agency=*/*.parquet', "
        "hive_partitioning=true) group by agency order by agency").fetchall()
    assert by_agency == [("cba", 8), ("nho", 6), ("rrn", 12)]
    types = {row[0]: row[1] for row in duckdb.sql(f"describe select * from '{result.file}'").fetchall()}
    assert (types["birth_date"], types["person_id"], types["_merged_count"]) == ("VARCHAR", "VARCHAR", "BIGINT")
