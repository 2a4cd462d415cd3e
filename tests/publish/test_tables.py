"""Published datasets as Delta tables, on a local disk and on an object store: a publisher killed at random
points never leaves a mixed or partial dataset; re-running the same submissions makes no new version; the
manifest names the versions it describes; time travel; vacuum."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time

import jsonschema
import polars as pl
import pytest

import accord
from accord.agency import run_agency
from accord.integrate import integrate
from accord.publish.manifest import manifest_key, read_manifest
from accord.publish.tables import AGENCIES, INTEGRATED, Table, vacuum
from accord.settings import data_dirs
from tests.conftest import ROOT
from tests.publish.versions import expected_ids

KILLS = 10


def _ids(table: Table, version: int | None = None) -> set[str]:
    return set(table.scan(version).select("payment_id").collect()["payment_id"].to_list())


@pytest.mark.parametrize("where", ["local", "s3"])
def test_killed_publisher_leaves_old_or_new_version(where, tmp_path, payment, request):
    location = str(tmp_path / "data") if where == "local" else request.getfixturevalue("remote_data")
    dirs = data_dirs(location)
    table = Table(dirs, payment, AGENCIES)
    versions = {"A": expected_ids("A"), "B": expected_ids("B")}
    rng = random.Random(20261201)  # noqa: S311 - kill timing, not cryptography
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    seen = set()
    for attempt in range(KILLS):
        child = subprocess.Popen([sys.executable, str(ROOT / "tests" / "publish" / "publish_loop.py"), location,
                                  str(ROOT), str(attempt)], stdout=subprocess.PIPE, env=env)
        assert child.stdout is not None and child.stdout.readline().strip() == b"ready"
        # the first commit is done (odd attempts start with B), then the kill lands anywhere in what follows: on a
        # slow store (the S3 server) a fixed delay alone could kill every attempt before its first commit
        assert child.stdout.readline().startswith(b"committed ")
        time.sleep(rng.uniform(0.2, 1.5))
        child.send_signal(signal.SIGKILL)
        child.wait()
        if table.version() is None:
            continue
        latest = _ids(table)
        assert latest in versions.values(), f"kill {attempt}: mixed or partial table ({len(latest)} rows)"
        if dirs.storage.exists(manifest_key(payment)):  # killed between the first commit and the first manifest
            manifest = read_manifest(dirs, payment)
            described = _ids(table, manifest["tables"][AGENCIES]["version"])
            assert described in versions.values(), f"kill {attempt}: the manifest points at a mixed version"
        seen.add("A" if latest == versions["A"] else "B")
    assert seen == {"A", "B"}  # the kills landed in both phases


def _run_all(mappings, dirs, registry, key):
    for mapping in mappings.values():
        run_agency(mapping, dirs, dataset_rules=False)
    for contract in registry.latest():
        integrate(contract, dirs, key)


@pytest.mark.parametrize("where", ["local", "s3"])
def test_rerunning_the_same_submissions_makes_no_new_version(where, mappings, registry, pseudonym_key, tmp_path,
                                                             request):
    location = str(tmp_path / "data") if where == "local" else request.getfixturevalue("remote_data")
    dirs = data_dirs(location).create()

    def deliver_samples() -> None:
        for file in sorted((ROOT / "samples" / "landing").glob("*/*")):
            dirs.storage.put_file(file, f"landing/{file.parent.name}/{file.name}")

    deliver_samples()
    _run_all(mappings, dirs, registry, pseudonym_key)
    person = registry.resolve("person", 1)
    tables = {kind: Table(dirs, person, kind) for kind in (AGENCIES, INTEGRATED)}
    versions = {kind: t.version() for kind, t in tables.items()}
    rows = {kind: _sorted_rows(t) for kind, t in tables.items()}
    deliver_samples()  # the same files again: duplicates
    _run_all(mappings, dirs, registry, pseudonym_key)
    assert {kind: t.version() for kind, t in tables.items()} == versions  # nothing changed: no new version
    assert {kind: _sorted_rows(t).equals(rows[kind]) for kind, t in tables.items()} == {AGENCIES: True,
                                                                                        INTEGRATED: True}
    # one record per person: 28 agency records of 24 people (4 known to two agencies: docs/identity.md)
    assert rows[INTEGRATED].height == 24 and rows[INTEGRATED]["entity_key"].n_unique() == 24
    assert rows[AGENCIES].group_by("_agency").len().sort("_agency").rows() == [("cba", 8), ("msa", 4), ("nho", 6),
                                                                               ("rrn", 12)]


def _sorted_rows(table: Table) -> pl.DataFrame:
    frame = table.scan().collect()
    return frame.sort(frame.columns)


def test_manifest_validates_and_describes_the_tables(mappings, data, person, pseudonym_key):
    for name in ("rrn/person", "nho/person", "cba/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    integrate(person, data, pseudonym_key)
    manifest = read_manifest(data, person)
    schema = json.loads((ROOT / "docs" / "schemas" / "manifest.schema.json").read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(manifest)
    assert manifest["contract"] == {"id": "person", "version": "1.0.0", "major": 1, "sha256": person.sha256,
                                    "status": "active"}
    agencies, integrated = manifest["tables"][AGENCIES], manifest["tables"][INTEGRATED]
    assert agencies["version"] == Table(data, person, AGENCIES).version() == 2  # one commit per publication
    assert [(p["agency"], p["rows"], len(p["submissions"])) for p in agencies["partitions"]] == [
        ("cba", 8, 1), ("nho", 6, 1), ("rrn", 12, 2)]
    assert manifest["rows"] == agencies["rows"] == 26
    assert (integrated["rows"], integrated["records_before_dedup"], integrated["merged_records"],
            integrated["source_version"]) == (21, 26, 5, 2)  # one record per person (docs/identity.md)
    assert manifest["pseudonymisation"] == {"scheme": "hmac-sha256-128-b64url", "key_id": pseudonym_key.key_id,
                                            "fields": ["birth_date", "family_name", "given_name", "sin"]}
    sources = sorted(s["source_file"] for p in agencies["partitions"] for s in p["submissions"])
    assert sources == ["clients_2026-11.xlsx", "people_2026-11.ndjson", "personnes_2026-11.csv",
                       "personnes_2026-12.csv"]
    # version 3: each table's own columns, lineage and _merged_count included, as the Delta tables hold them
    assert manifest["manifest_version"] == 3
    lineage = [("_agency", "string", False), ("_submission_id", "string", False), ("_source_file", "string", False),
               ("_source_row", "int64", False), ("_ingested_at", "timestamp[us, tz=UTC]", False)]
    columns = [(c["name"], c["type"], c["nullable"]) for c in agencies["schema"] if c["role"] == "lineage"]
    assert sorted(columns) == sorted(lineage)
    assert [c["name"] for c in integrated["schema"]] == [c["name"] for c in agencies["schema"]] + [
        "entity_key", "_agencies", "_merged_count"]  # one record per person (docs/identity.md)
    assert integrated["schema"][-1] == {"name": "_merged_count", "type": "int64", "nullable": False,
                                        "pseudonymised": False, "role": "lineage"}
    contract_columns = [c for c in agencies["schema"] if c["role"] == "contract"]
    assert [c["name"] for c in contract_columns] == [f.name for f in person.fields]
    assert [c["name"] for c in contract_columns if c["pseudonymised"]] == ["sin", "family_name", "given_name",
                                                                            "birth_date"]
    for kind in (AGENCIES, INTEGRATED):  # what the manifest says is what an engine reads
        read = Table(data, person, kind).scan().collect_schema()
        assert sorted(read.names()) == sorted(c["name"] for c in manifest["tables"][kind]["schema"])


def test_time_travel_reads_an_earlier_version(mappings, data, person, pseudonym_key):
    for name in ("rrn/person", "nho/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    integrate(person, data, pseudonym_key)
    before = dt.datetime.now(dt.UTC)
    time.sleep(1.1)
    run_agency(mappings["cba/person"], data, dataset_rules=False)
    integrate(person, data, pseudonym_key)
    read = {"data_dir": data.root, "project_dir": ROOT}
    assert accord.read("person", 1, **read).collect().height == 21  # now: rrn, nho and cba (21 people)
    # the first integrated version: rrn and nho (15 people)
    assert accord.read("person", 1, as_of=0, **read).collect().height == 15
    assert accord.read("person", 1, as_of=before, **read).collect().height == 15  # as it was at that time
    assert accord.read("person", 1, agency="cba", **read).collect().height == 8
    assert accord.read_arrow("person", 1, as_of=0, **read).num_rows == 15


def test_vacuum_removes_files_no_retained_version_needs(mappings, data, person, pseudonym_key):
    for name in ("rrn/person", "nho/person", "cba/person"):
        run_agency(mappings[name], data, dataset_rules=False)
        integrate(person, data, pseudonym_key)  # three integrated versions, each replacing the whole table
    integrated = Table(data, person, INTEGRATED)
    assert integrated.version() == 2
    assert vacuum(integrated, retention_hours=168, dry_run=True) == []  # nothing is a week old
    removed = vacuum(integrated, retention_hours=0, dry_run=False)
    assert len(removed) == 2  # the files of versions 0 and 1
    assert accord.read("person", 1, data_dir=data.root, project_dir=ROOT).collect().height == 21
    with pytest.raises(Exception, match=r"(?i)not found|no such file|does not exist"):
        accord.read("person", 1, as_of=0, data_dir=data.root, project_dir=ROOT).collect()


def test_columns_whose_values_never_repeat_are_written_without_a_dictionary(mappings, data, person, pseudonym_key):
    """The key, the unique fields and the source row are written plain (a dictionary of values that never repeat
    only costs time and bytes); the other columns keep their dictionary. In both tables."""
    import pyarrow.parquet as pq

    run_agency(mappings["rrn/person"], data, dataset_rules=False)
    integrate(person, data, pseudonym_key)
    for kind in (AGENCIES, INTEGRATED):
        file = Table(data, person, kind).open().file_uris()[0]
        columns = pq.ParquetFile(file.removeprefix("file://")).metadata.row_group(0)
        dictionary = {columns.column(i).path_in_schema for i in range(columns.num_columns)
                      if "RLE_DICTIONARY" in columns.column(i).encodings}
        assert {"person_id", "sin", "_source_row"}.isdisjoint(dictionary), kind
        assert {"family_name", "sex", "province", "_source_file"} <= dictionary, kind
