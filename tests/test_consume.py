from __future__ import annotations

import json

import polars as pl
import pytest

import accord
from accord.agency import run_agency
from accord.errors import AccordError
from accord.integrate import integrate
from tests.conftest import ROOT
from tests.helpers import table_frame


@pytest.fixture
def published(mappings, data, person, pseudonym_key):
    for name in ("rrn/person", "nho/person", "cba/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    integrate(person, data, pseudonym_key)
    return data


def test_read_round_trips_the_integrated_dataset(published, person):
    lazy = accord.read("person", version=1, data_dir=published.root, project_dir=ROOT)
    assert isinstance(lazy, pl.LazyFrame)
    frame = lazy.collect()
    assert frame.equals(table_frame(published, person))
    assert frame.height == 21  # people: 26 records of rrn, nho and cba, 5 of them the same people (docs/identity.md)
    table = accord.read_arrow("person", version=1, data_dir=published.root, project_dir=ROOT)
    assert table.num_rows == 21 and table.schema.names == frame.columns


def test_read_one_agency_partition(published):
    rrn = accord.read("person", 1, agency="rrn", data_dir=published.root, project_dir=ROOT).collect()
    assert rrn.height == 12 and set(rrn["_agency"]) == {"rrn"}
    with pytest.raises(AccordError, match="has no partition for agency 'xyz'"):
        accord.read("person", 1, agency="xyz", data_dir=published.root, project_dir=ROOT)


def test_schema_drift_is_refused(published, person):
    """A table whose schema is not the contract's (here: rewritten without the ``sin`` column) is not read."""
    from deltalake import write_deltalake

    agencies = table_frame(published, person, "agencies").drop("sin")
    write_deltalake(str(published.published / "person" / "v1" / "agencies"), agencies.to_arrow(), mode="overwrite",
                    schema_mode="overwrite")
    manifest = published.published / "person" / "v1" / "_manifest.json"
    text = json.loads(manifest.read_text())
    text["tables"]["agencies"]["version"] += 1
    manifest.write_text(json.dumps(text))
    with pytest.raises(AccordError, match=r"schema does not match contract person v1\.0\.0"):
        accord.read("person", 1, agency="nho", data_dir=published.root, project_dir=ROOT)


def test_a_version_2_manifest_is_still_read(published, person):
    """Manifests written before version 3 (no per-table schema) are read as before."""
    manifest = published.published / "person" / "v1" / "_manifest.json"
    old = json.loads(manifest.read_text())
    old["manifest_version"] = 2
    for table in old["tables"].values():
        del table["schema"]
    manifest.write_text(json.dumps(old))
    assert accord.read("person", 1, data_dir=published.root, project_dir=ROOT).collect().height == 21
    assert accord.read("person", 1, agency="rrn", data_dir=published.root, project_dir=ROOT).collect().height == 12


def test_unpublished_contract_is_a_clear_error(data):
    with pytest.raises(AccordError, match="benefit_payment v1 has not been published"):
        accord.read("benefit_payment", 1, data_dir=data.root, project_dir=ROOT)


def test_duckdb_reads_the_published_tables_without_any_extension(published, person, mappings, pseudonym_key):
    """DuckDB's own Parquet reader over the files of the manifest's version: no delta extension (which cannot
    be installed offline), no httpfs; the same rows as accord.read, and two agencies joined on pseudonyms."""
    import duckdb

    same_person = {"id": "CBA-9100", "last_name": "Bélanger", "first_name": "Évelyne", "birth_date": "1956-04-03",
                   "gender": "f", "postal_code": "E1C 4M3", "province": "NB", "sin": "046454286", "lang": "FR"}
    (published.landing / "cba" / "people_2026-12.ndjson").write_text(json.dumps(same_person) + "\n")  # rrn's RRN-0001
    run_agency(mappings["cba/person"], published, dataset_rules=False)
    integrate(person, published, pseudonym_key)

    connection = duckdb.connect()
    connection.execute("SET autoinstall_known_extensions = false; SET autoload_known_extensions = false")
    read = {"data_dir": published.root, "project_dir": ROOT}
    assert accord.duckdb_view(connection, "person", 1, **read) == "person_v1"
    assert accord.duckdb_view(connection, "person", 1, agency="rrn", **read) == "person_v1_rrn"
    assert accord.duckdb_view(connection, "person", 1, agency="cba", **read) == "person_v1_cba"
    integrated = accord.read("person", 1, **read).collect()
    in_duckdb = pl.from_arrow(connection.sql("select * from person_v1").to_arrow_table()).with_columns(
        pl.col("_ingested_at").dt.convert_time_zone("UTC"))  # DuckDB names UTC Etc/UTC: the same instants
    assert dict(in_duckdb.schema) == dict(integrated.schema)
    assert in_duckdb.sort("person_id", "_agency").equals(integrated.sort("person_id", "_agency"))
    assert connection.sql("select count(*) from person_v1_rrn").fetchall() == [(12,)]
    assert connection.sql("select count(*) from person_v1_cba").fetchall() == [(9,)]  # with CBA-9100
    assert connection.sql("select distinct _agency from person_v1_cba").fetchall() == [("cba",)]

    # the consumers.md example: the people both rrn and cba sent, matched on the pseudonymised SIN
    both = connection.sql("""
        select r.person_id as rrn_id, c.person_id as cba_id
        from person_v1_rrn r join person_v1_cba c on r.sin = c.sin
        order by 1, 2""").fetchall()
    assert both == [("RRN-0001", "CBA-9009"), ("RRN-0001", "CBA-9100")]
    on_all_four = connection.sql("""
        select count(*) from person_v1_rrn r join person_v1_cba c using (sin, family_name, given_name, birth_date)
        """).fetchall()
    assert on_all_four == [(1,)]  # the pseudonyms of the same values are the same, whichever agency sent them
    rrn = accord.read("person", 1, agency="rrn", **read).collect()
    cba = accord.read("person", 1, agency="cba", **read).collect()
    expected = rrn.join(cba, on="sin").select("person_id", "person_id_right").sort("person_id", "person_id_right")
    assert both == expected.rows()
    assert connection.sql("select extension_name from duckdb_extensions() where loaded and "
                          "extension_name in ('delta', 'httpfs')").fetchall() == []
