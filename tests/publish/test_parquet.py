from __future__ import annotations

import hashlib

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

import accord
from accord.agency import run_agency
from accord.integrate import integrate
from accord.publish.parquet import dataset_schema, read_metadata, staged_schema
from accord.publish.tables import Table
from tests.conftest import RECEIVED, ROOT, SAMPLES
from tests.helpers import table_frame


def test_metadata_and_schema_round_trip(mappings, data, pseudonym_key):
    """A submission's staged part: the published rows with their provenance, before they are committed."""
    mapping = mappings["rrn/person"]
    run_agency(mapping, data, dataset_rules=False)
    files = sorted((data.published / "person" / "v1" / ".staged" / "agency=rrn").glob("*.parquet"))
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
    # the dataset's columns but the partition column, which is in the folder name and the metadata
    assert pq.read_schema(file).remove_metadata() == staged_schema(mapping.contract)
    assert staged_schema(mapping.contract).names == [n for n in dataset_schema(mapping.contract).names
                                                    if n != "_agency"]
    assert pq.ParquetFile(file).metadata.row_group(0).column(0).compression == "ZSTD"
    table = pl.read_parquet(file)
    assert table.columns == [*mapping.contract.field_names, "_submission_id", "_source_file", "_source_row",
                             "_ingested_at"]
    assert table["_source_row"].to_list() == [2, 3, 4, 5, 9, 10, 11, 12, 13]
    assert set(table["_ingested_at"].to_list()) == {RECEIVED}
    assert set(table["_submission_id"].to_list()) == {f"rrn-{source_sha[:16]}"}
    assert table.row(0, named=True)["province"] == "QC"  # not pii: in clear
    assert len(table.row(0, named=True)["family_name"]) == 22  # pii: a pseudonym, 128 bits in base64url
    published = table_frame(data, mapping.contract, "agencies")  # committed as staged: the part is the data file
    rows = published.filter(pl.col("_submission_id") == f"rrn-{source_sha[:16]}").sort("_source_row")
    assert rows.drop("_agency").equals(table) and set(rows["_agency"]) == {"rrn"}
    [committed] = [f for f in Table(data, mapping.contract, "agencies").files()
                   if f["min._submission_id"] == f"rrn-{source_sha[:16]}"]
    path = data.published / "person" / "v1" / "agencies" / committed["path"]
    assert path.read_bytes() == file.read_bytes() and committed["partition._agency"] == "rrn"
    assert (committed["num_records"], committed["min._source_row"], committed["max._source_row"]) == (9, 2, 13)


def test_pii_fields_are_strings_in_the_published_schema(person):
    schema = dataset_schema(person)
    assert [(f.name, f.type) for f in schema if f.name in ("sin", "birth_date", "province")] == [
        ("sin", pa.string()), ("birth_date", pa.string()), ("province", pa.string())]
    assert schema.field("birth_date").nullable is False


def test_integrated_dataset_deduplicates_and_duckdb_reads_it(mappings, data, person, pseudonym_key):
    """DuckDB reads the Delta tables through Arrow (``docs/consumers.md``)."""
    for name in ("rrn/person", "nho/person", "cba/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    result = integrate(person, data, pseudonym_key)
    assert (result.records_before_dedup, result.rows, result.merged_records) == (26, 21, 5)  # one record per person
    assert result.rows_by_agency == {"cba": 6, "nho": 5, "rrn": 10}
    agencies = pl.scan_delta(str(data.published / "person" / "v1" / "agencies")).collect().to_arrow()  # noqa: F841
    by_agency = duckdb.sql("select _agency, count(*) from agencies group by 1 order by 1").fetchall()
    assert by_agency == [("cba", 8), ("nho", 6), ("rrn", 12)]
    integrated = accord.read_arrow("person", 1, data_dir=data.root, project_dir=ROOT)  # noqa: F841
    types = {row[0]: row[1] for row in duckdb.sql("describe select * from integrated").fetchall()}
    assert (types["birth_date"], types["person_id"], types["_merged_count"]) == ("VARCHAR", "VARCHAR", "BIGINT")
