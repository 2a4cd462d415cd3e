"""Integrated datasets: the declared survivorship rule picks one record per primary key."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import polars as pl
import pytest

from accord.agency import run_agency
from accord.contracts import Contract
from accord.integrate import deduplicate, integrate, survivorship
from tests.helpers import table_frame


@pytest.fixture
def person(registry) -> Contract:
    """person v1 as a contract that resolves no identities: one integrated record per primary key, the key-range
    machinery these tests are about (tests/identity: one record per person)."""
    return dataclasses.replace(registry.resolve("person", 1), identity=None)

T1 = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema_overrides={"_ingested_at": pl.Datetime("us", "UTC"),
                                                "updated_at": pl.Datetime("us", "UTC")})


def _winners(frame, contract) -> list[tuple]:
    return deduplicate(frame, contract).select(*contract.primary_key, "_agency", "_source_file", "_merged_count").rows()


def test_agency_precedence_then_latest_submission(person):
    assert person.survivorship.rule == "agency_precedence"
    frame = _frame([
        {"person_id": "P1", "_agency": "cba", "_ingested_at": T2, "_source_file": "c", "_source_row": 2},
        {"person_id": "P1", "_agency": "nho", "_ingested_at": T1, "_source_file": "n", "_source_row": 2},
        {"person_id": "P2", "_agency": "rrn", "_ingested_at": T1, "_source_file": "r-11", "_source_row": 5},
        {"person_id": "P2", "_agency": "rrn", "_ingested_at": T1, "_source_file": "r-12", "_source_row": 2},
        {"person_id": "P3", "_agency": "zzz", "_ingested_at": T2, "_source_file": "z", "_source_row": 2},
    ])
    assert _winners(frame, person) == [("P1", "nho", "n", 2), ("P2", "rrn", "r-12", 2), ("P3", "zzz", "z", 1)]


def test_keys_already_unique_and_in_order_are_kept_as_they_are(person):
    """No sort when the keys strictly increase (an extract in file-number order): the same rows as sorting."""
    frame = _frame([{"person_id": f"P{i}", "_agency": "rrn", "_ingested_at": T1, "_source_file": "r",
                     "_source_row": i + 2} for i in range(5)])
    assert survivorship._increasing(frame, person.primary_key)
    assert survivorship.winners(frame, person) == (None, None)
    shuffled = frame[[3, 0, 4, 1, 2]]
    assert not survivorship._increasing(shuffled, person.primary_key)
    assert deduplicate(shuffled, person).equals(deduplicate(frame, person))
    assert deduplicate(frame, person).get_column("_merged_count").to_list() == [1] * 5
    repeated = frame.with_columns(pl.Series("person_id", ["P0", "P1", "P1", "P2", "P3"]))
    assert not survivorship._increasing(repeated, person.primary_key)
    assert _winners(repeated, person) == [("P0", "rrn", "r", 1), ("P1", "rrn", "r", 2), ("P2", "rrn", "r", 1),
                                          ("P3", "rrn", "r", 1)]


def test_latest_updated_at_wins(registry):
    person_v2 = dataclasses.replace(registry.resolve("person", 2), identity=None)
    frame = _frame([
        {"person_id": "P1", "updated_at": T1, "_agency": "rrn", "_ingested_at": T2, "_source_file": "a",
         "_source_row": 2},
        {"person_id": "P1", "updated_at": T2, "_agency": "cba", "_ingested_at": T1, "_source_file": "b",
         "_source_row": 2},
        {"person_id": "P1", "updated_at": None, "_agency": "nho", "_ingested_at": T2, "_source_file": "c",
         "_source_row": 2},
    ])
    assert _winners(frame, person_v2) == [("P1", "cba", "b", 3)]


def test_default_rule_latest_submission(payment):
    assert payment.survivorship.rule == "latest_ingested"
    frame = _frame([
        {"payment_id": "X", "_agency": "rrn", "_ingested_at": T2, "_source_file": "old-name", "_source_row": 2},
        {"payment_id": "X", "_agency": "rrn", "_ingested_at": T1, "_source_file": "z-name", "_source_row": 9},
    ])
    assert _winners(frame, payment) == [("X", "rrn", "old-name", 2)]


def test_resubmitted_people_keep_the_latest_version_with_lineage(mappings, data, person, pseudonym_key):
    for name in ("rrn/person", "nho/person", "cba/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    result = integrate(person, data, pseudonym_key)
    assert (result.records_before_dedup, result.rows, result.merged_records) == (26, 24, 2)
    frame = table_frame(data, person)
    merged = frame.filter(pl.col("_merged_count") > 1).select(
        "person_id", "postal_code", "preferred_language", "_source_file", "_source_row", "_merged_count").rows()
    assert merged == [("RRN-0002", "G1R 3C7", "fr", "personnes_2026-12.csv", 2, 2),
                      ("RRN-0010", "G6V 4Z2", "en", "personnes_2026-12.csv", 3, 2)]
    assert frame["person_id"].to_list() == sorted(frame["person_id"].to_list())


def test_composite_primary_key(tmp_path):
    from accord.contracts import load_contract
    from tests.helpers import person_contract_data, write_contract

    data = person_contract_data()
    props = data["schema"][0]["properties"]
    props[0].update(primaryKeyPosition=2)
    props[7].update(primaryKey=True, primaryKeyPosition=1)  # province, then person_id
    contract = load_contract(write_contract(tmp_path, data))
    assert contract.primary_key == ["province", "person_id"]
    frame = _frame([
        {"person_id": "P1", "province": "QC", "_agency": "cba", "_ingested_at": T1, "_source_file": "a",
         "_source_row": 2},
        {"person_id": "P1", "province": "ON", "_agency": "cba", "_ingested_at": T1, "_source_file": "a",
         "_source_row": 3},
        {"person_id": "P1", "province": "QC", "_agency": "rrn", "_ingested_at": T2, "_source_file": "b",
         "_source_row": 2},
    ])
    assert deduplicate(frame, contract).select("province", "person_id", "_agency", "_merged_count").rows() == [
        ("ON", "P1", "cba", 1), ("QC", "P1", "rrn", 2)]


def test_integrating_by_key_ranges_gives_the_same_dataset(mappings, data, person, pseudonym_key, monkeypatch):
    """Above ROWS_PER_RANGE records the union is deduplicated range by range (bounded memory): same records,
    same order, same merge counts as all at once."""
    from accord.integrate import key_ranges as module

    for name in ("rrn/person", "nho/person", "cba/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    integrate(person, data, pseudonym_key)
    whole = table_frame(data, person)
    monkeypatch.setattr(module, "ROWS_PER_RANGE", 4)
    monkeypatch.setattr(module, "IN_MEMORY_ROWS", 4)
    (data.published / "person" / "v1" / "integrated").rename(data.published / "person" / "v1" / "integrated.whole")
    result = integrate(person, data, pseudonym_key)  # a rebuild, range by range
    ranged = table_frame(data, person)
    assert ranged.sort("person_id").equals(whole.sort("person_id"))  # a table's files have no order between them
    assert (result.records_before_dedup, result.rows, result.rows_by_agency) == (26, 24, {"cba": 8, "nho": 6,
                                                                                        "rrn": 10})
    assert ranged.schema == table_frame(data, person, "agencies").schema | {"_merged_count": pl.Int64}


def test_a_table_held_in_memory_is_cut_into_files_of_at_most_rows_per_range(mappings, data, person, pseudonym_key,
                                                                            monkeypatch):
    """Below IN_MEMORY_ROWS the union is deduplicated at once, then cut into files of even size, each a key range
    of its own in key order, as a range-by-range build lays them out."""
    from accord.integrate import build
    from accord.publish.tables import INTEGRATED, Table

    monkeypatch.setattr(build, "ROWS_PER_RANGE", 5)  # the file size; the union stays below IN_MEMORY_ROWS
    for name in ("rrn/person", "nho/person", "cba/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    result = integrate(person, data, pseudonym_key)
    files = sorted(Table(data, person, INTEGRATED).files(), key=lambda f: f["min.person_id"])
    assert (result.rows, result.files_written) == (24, 5)
    assert [f["num_records"] for f in files] == [5, 5, 5, 5, 4]
    assert all(a["max.person_id"] < b["min.person_id"] for a, b in itertools.pairwise(files))


def test_records_held_in_too_much_parquet_are_built_by_key_ranges(mappings, data, person, pseudonym_key, monkeypatch):
    """Few records but more Parquet than IN_MEMORY_BYTES (wide records): built range by range, the same rows."""
    from accord.integrate import key_ranges

    for name in ("rrn/person", "nho/person", "cba/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    monkeypatch.setattr(key_ranges, "ROWS_PER_RANGE", 4)  # ranges of about 4; the files' own limit stays
    at_once = integrate(person, data, pseudonym_key, rebuild=True)
    whole = table_frame(data, person).sort("person_id")
    monkeypatch.setattr(key_ranges, "IN_MEMORY_BYTES", 1)
    ranged = integrate(person, data, pseudonym_key, rebuild=True)
    assert (at_once.files_written, at_once.rows) == (1, 24)
    assert ranged.files_written > 1 and ranged.rows == 24
    assert table_frame(data, person).sort("person_id").equals(whole)
