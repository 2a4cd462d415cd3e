"""The Dagster code location: wiring loads, and a full materialisation in a temporary instance."""

from __future__ import annotations

import json

import dagster as dg
import polars as pl

from pipelines.definitions import build_definitions
from tests.conftest import ROOT

AGENCY_ASSETS = ["benefit_payment/v1/cba", "benefit_payment/v1/rrn", "person/v1/cba", "person/v1/nho", "person/v1/rrn"]


def test_definitions_build_one_asset_per_mapping_and_checks(tmp_path):
    defs = build_definitions(ROOT, tmp_path)
    keys = sorted(k.to_user_string() for k in defs.resolve_all_asset_keys())
    assert keys == sorted([*AGENCY_ASSETS, "benefit_payment/v1/integrated", "person/v1/integrated", "run_summary"])
    checks = sorted(c.to_user_string() for c in defs.resolve_asset_graph().asset_check_keys)
    assert checks == sorted(f"{a}:{c}" for a in AGENCY_ASSETS for c in ("dataset_rules", "row_rules", "rows_balanced"))


def test_materialise_everything_in_a_temporary_instance(tmp_path, data):
    defs = build_definitions(ROOT, data.root)
    job = defs.resolve_implicit_global_asset_job_def()
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        result = job.execute_in_process(instance=instance)
        assert result.success
        checks = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in result.get_asset_check_evaluations()}
        records = instance.get_event_records(dg.EventRecordsFilter(dg.DagsterEventType.ASSET_MATERIALIZATION))
        materialised = {r.asset_key.to_user_string(): r.asset_materialization.metadata for r in records}
    assert all(checks[a, "dataset_rules"] for a in AGENCY_ASSETS)
    assert all(checks[a, "rows_balanced"] for a in AGENCY_ASSETS)
    assert not any(checks[a, "row_rules"] for a in AGENCY_ASSETS)  # every sample has deliberate bad rows
    assert materialised["person/v1/nho"]["rows_quarantined"].value == 4
    assert materialised["person/v1/integrated"]["dagster/row_count"].value == 24
    assert materialised["person/v1/integrated"]["merged_records"].value == 2
    assert materialised["benefit_payment/v1/integrated"]["dagster/row_count"].value == 14

    summary = json.loads((data.reports / "run-summary.json").read_text())
    counts = {
        (r["agency"], r["contract"]): (r["rows_in"], r["rows_published"], r["rows_quarantined"])
        for r in summary["results"]
    }
    assert counts == {
        ("cba", "benefit_payment"): (8, 6, 2),
        ("rrn", "benefit_payment"): (10, 8, 2),
        ("cba", "person"): (11, 8, 3),
        ("nho", "person"): (10, 6, 4),
        ("rrn", "person"): (15, 12, 3),
    }
    assert summary["all_balanced"] is True
    integrated = pl.read_parquet(data.published / "person" / "v1" / "_integrated" / "person.parquet")
    assert integrated.group_by("_agency").len().sort("_agency").rows() == [("cba", 8), ("nho", 6), ("rrn", 10)]
    assert (data.reports / "data_docs" / "index.html").exists()
