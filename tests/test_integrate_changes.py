"""Integration follows the change: a new agencies version re-writes only the integrated files whose key ranges
it touches, and the table is the one a full rebuild gives."""

from __future__ import annotations

import dataclasses
import shutil

import polars as pl
import pytest

from accord.agency import publish_agency, run_agency
from accord.contracts import Contract
from accord.integrate import integrate, key_ranges
from accord.publish.tables import AGENCIES, INTEGRATED, Table, vacuum
from accord.submission import staged_parts
from tests.helpers import table_frame


@pytest.fixture
def person(registry) -> Contract:
    """person v1 as a contract that resolves no identities: one integrated record per primary key, the key-range
    machinery these tests are about (tests/identity: one record per person)."""
    return dataclasses.replace(registry.resolve("person", 1), identity=None)

DECEMBER = "personnes_2026-12.csv"  # RRN-0002 and RRN-0010 again (new addresses), and RRN-0013


@pytest.fixture
def ranged(monkeypatch):
    monkeypatch.setattr(key_ranges, "ROWS_PER_RANGE", 4)  # 23 people in November: six files of at most 4
    monkeypatch.setattr(key_ranges, "IN_MEMORY_ROWS", 4)  # built range by range, as a large table is


def _november(mappings, data, person, pseudonym_key, tmp_path):
    """Publish and integrate every sample but rrn's December file, kept aside in tmp_path."""
    aside = shutil.move(data.landing / "rrn" / DECEMBER, tmp_path / DECEMBER)
    for name in ("rrn/person", "nho/person", "cba/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    return integrate(person, data, pseudonym_key), aside


def _rebuilt(data, person, pseudonym_key) -> pl.DataFrame:
    integrate(person, data, pseudonym_key, rebuild=True)
    return table_frame(data, person).sort("person_id")


def _withdraw_december(data, person, pseudonym_key) -> None:
    """Remove the December submission's staged part and publish: the agencies table drops its rows."""
    agencies = Table(data, person, AGENCIES).scan()
    (submission,) = agencies.filter(pl.col("_source_file") == DECEMBER).select("_submission_id").unique().collect()[
        "_submission_id"].to_list()
    data.storage.delete(staged_parts(data, person, "rrn")[submission])
    publish_agency(person, "rrn", data, pseudonym_key)
    after = Table(data, person, AGENCIES).scan()
    assert after.filter(pl.col("_source_file") == DECEMBER).collect().height == 0


def _december_withdrawn(mappings, data, person, pseudonym_key, tmp_path) -> pl.DataFrame:
    """Integrate November, then December, then withdraw December: the November table, as it was."""
    _, aside = _november(mappings, data, person, pseudonym_key, tmp_path)
    november = table_frame(data, person).sort("person_id")
    shutil.move(aside, data.landing / "rrn" / DECEMBER)
    run_agency(mappings["rrn/person"], data, dataset_rules=False)
    integrate(person, data, pseudonym_key)
    _withdraw_december(data, person, pseudonym_key)
    return november


def _paths(data, person) -> set[str]:
    return {f["path"] for f in Table(data, person, INTEGRATED).files()}


def test_a_new_submission_rewrites_only_the_ranges_it_touches(mappings, data, person, pseudonym_key, tmp_path,
                                                               ranged):
    first, aside = _november(mappings, data, person, pseudonym_key, tmp_path)
    assert (first.rows, first.files_replaced, first.files_kept) == (23, 0, 0)
    files = Table(data, person, INTEGRATED).files()
    assert sorted((f["min.person_id"], f["max.person_id"], f["num_records"]) for f in files) == [
        ("CBA-9001", "CBA-9004", 3), ("CBA-9005", "CBA-9010", 4), ("CBA-9011", "NHO-505", 4),
        ("NHO-506", "RRN-0001", 4), ("RRN-0002", "RRN-0008", 4), ("RRN-0009", "RRN-0012", 4)]  # in key order
    before = _paths(data, person)

    shutil.move(aside, data.landing / "rrn" / DECEMBER)
    run_agency(mappings["rrn/person"], data, dataset_rules=False)
    result = integrate(person, data, pseudonym_key)
    # RRN-0002 falls in the fifth file, RRN-0010 and the new RRN-0013 in the last: two files re-written
    assert (result.rows, result.records_before_dedup, result.files_replaced, result.files_kept) == (24, 26, 2, 4)
    assert len(before & _paths(data, person)) == 4  # the same files, not copies
    incremental = table_frame(data, person).sort("person_id")
    merged = incremental.filter(pl.col("_merged_count") > 1).select("person_id", "postal_code", "_source_file")
    assert merged.rows() == [("RRN-0002", "G1R 3C7", DECEMBER), ("RRN-0010", "G6V 4Z2", DECEMBER)]
    assert "RRN-0013" in incremental["person_id"].to_list()
    assert incremental.equals(_rebuilt(data, person, pseudonym_key))
    assert Table(data, person, INTEGRATED).last_commit()["accord.files_kept"] == "0"  # the rebuild kept nothing


def test_a_withdrawn_submission_brings_back_the_records_it_had_replaced(mappings, data, person, pseudonym_key,
                                                                        tmp_path, ranged):
    november = _december_withdrawn(mappings, data, person, pseudonym_key, tmp_path)
    result = integrate(person, data, pseudonym_key)
    assert (result.rows, result.records_before_dedup, result.files_replaced) == (23, 23, 2)
    assert table_frame(data, person).sort("person_id").equals(november)


def test_when_the_replaced_agencies_files_are_vacuumed_it_rebuilds_everything(mappings, data, person,
                                                                              pseudonym_key, tmp_path, ranged):
    november = _december_withdrawn(mappings, data, person, pseudonym_key, tmp_path)
    assert len(vacuum(Table(data, person, AGENCIES), retention_hours=0, dry_run=False)) == 1  # December's file
    result = integrate(person, data, pseudonym_key)
    assert (result.rows, result.files_replaced, result.files_kept) == (23, 7, 0)  # a full rebuild
    assert table_frame(data, person).sort("person_id").equals(november)


def test_nothing_changed_makes_no_new_version(mappings, data, person, pseudonym_key, tmp_path, ranged):
    _november(mappings, data, person, pseudonym_key, tmp_path)
    version = Table(data, person, INTEGRATED).version()
    result = integrate(person, data, pseudonym_key)
    assert (result.version, result.files_replaced) == (version, 0)
