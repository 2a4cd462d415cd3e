"""Atomic and idempotent publication: a publisher killed at random points never leaves a mixed or partial
dataset, and re-running the same submissions writes the same bytes."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time

import jsonschema
import polars as pl

from accord.agency import run_agency
from accord.integrate import integrate
from accord.publish.manifest import build_manifest, read_manifest, write_manifest
from accord.publish.parquet import contract_dir
from accord.publish.snapshots import publication_lock, publish_snapshot
from tests.conftest import ROOT
from tests.publish.versions import expected_ids, version_tables

KILLS = 24


def _ids_by_glob(root) -> set[str]:
    return set(pl.read_parquet(root / "agency=x" / "*.parquet")["payment_id"].to_list())


def _ids_by_manifest(root) -> set[str]:
    [partition] = read_manifest(root)["partitions"]
    return set(pl.read_parquet([root / f["path"] for f in partition["files"]])["payment_id"].to_list())


def test_killed_publisher_leaves_old_or_new_version(tmp_path, payment):
    published = tmp_path / "published"
    root = contract_dir(published, payment)
    with publication_lock(root):
        publish_snapshot(root / "agency=x", version_tables(payment, "A"))
        write_manifest(root, build_manifest(payment, root, "0" * 12))
    versions = {"A": expected_ids("A"), "B": expected_ids("B")}
    rng = random.Random(20261129)  # noqa: S311 - kill timing, not cryptography
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    seen = set()
    for attempt in range(KILLS):
        child = subprocess.Popen([sys.executable, str(ROOT / "tests" / "publish" / "publish_loop.py"),
                                  str(published), str(ROOT), str(attempt)], stdout=subprocess.PIPE, env=env)
        assert child.stdout is not None and child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.6))
        child.send_signal(signal.SIGKILL)
        child.wait()
        by_glob = _ids_by_glob(root)
        by_manifest = _ids_by_manifest(root)
        assert by_glob in versions.values(), f"kill {attempt}: mixed or partial dataset ({len(by_glob)} rows)"
        assert by_manifest in versions.values(), f"kill {attempt}: manifest points at a mixed dataset"
        seen.add("A" if by_glob == versions["A"] else "B")
    assert seen == {"A", "B"}  # the kills landed in both phases


def _digests(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.parquet"))}


def test_rerunning_the_same_submissions_is_byte_identical(mappings, data, registry, pseudonym_key):
    def run_all():
        for mapping in mappings.values():
            run_agency(mapping, data, dataset_rules=False)
        for contract in registry.latest():
            integrate(contract, data.published, pseudonym_key)
        return _digests(data.published)

    first = run_all()
    links = {p: p.resolve() for p in data.published.glob("*/v*/agency=*")}
    second = run_all()
    assert first == second
    assert {p: p.resolve() for p in data.published.glob("*/v*/agency=*")} == links
    integrated = pl.read_parquet(data.published / "person" / "v1" / "_integrated" / "person.parquet")
    assert integrated.height == 24 and integrated["person_id"].n_unique() == 24


def test_manifest_validates_and_matches_the_files(mappings, data, person, pseudonym_key):
    for name in ("rrn/person", "nho/person", "cba/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    integrate(person, data.published, pseudonym_key)
    root = data.published / "person" / "v1"
    manifest = read_manifest(root)
    schema = json.loads((ROOT / "docs" / "schemas" / "manifest.schema.json").read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(manifest)
    assert manifest["contract"] == {"id": "person", "version": "1.0.0", "major": 1, "sha256": person.sha256}
    assert [(p["agency"], p["rows"], len(p["files"])) for p in manifest["partitions"]] == [
        ("cba", 8, 1), ("nho", 6, 1), ("rrn", 12, 2)]
    assert manifest["rows"] == 26
    assert (manifest["integrated"]["rows"], manifest["integrated"]["records_before_dedup"],
            manifest["integrated"]["merged_records"]) == (24, 26, 2)
    assert manifest["pseudonymisation"] == {"method": "HMAC-SHA256", "key_id": pseudonym_key.key_id,
                                            "fields": ["birth_date", "family_name", "given_name", "sin"]}
    for entry in [f for p in manifest["partitions"] for f in p["files"]] + manifest["integrated"]["files"]:
        assert hashlib.sha256((root / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
        assert pl.read_parquet(root / entry["path"]).height == entry["rows"]
    sources = sorted(f["source_file"] for p in manifest["partitions"] for f in p["files"])
    assert sources == ["clients_2026-11.xlsx", "people_2026-11.ndjson", "personnes_2026-11.csv",
                       "personnes_2026-12.csv"]
