"""The Dagster code location: wiring, the landing sensor, and full runs in a temporary instance."""

from __future__ import annotations

import json
import shutil

import dagster as dg
import pytest

import accord
from pipelines.definitions import build_definitions
from pipelines.resources import AccordResource
from pipelines.runner import materialize_all
from tests.conftest import ROOT, SAMPLES, seed_landing


def test_definitions_build_the_asset_graph_and_checks(tmp_path):
    defs = build_definitions(ROOT, tmp_path)
    keys = sorted(k.to_user_string() for k in defs.resolve_all_asset_keys())
    assert keys == ["benefit_payment/v1/cba", "benefit_payment/v1/integrated", "benefit_payment/v1/rrn",
                    "benefit_payment/v1/submissions", "person/v1/cba", "person/v1/integrated", "person/v1/nho",
                    "person/v1/rrn", "person/v1/submissions", "run_summary"]
    checks = sorted(c.to_user_string() for c in defs.resolve_asset_graph().asset_check_keys)
    assert checks == [f"{c}/v1/submissions:{name}" for c in ("benefit_payment", "person")
                      for name in ("dataset_rules", "row_rules", "rows_balanced")]
    graph = defs.resolve_asset_graph()
    assert {k.to_user_string() for k in graph.get(dg.AssetKey(["person", "v1", "integrated"])).parent_keys} == {
        "person/v1/cba", "person/v1/nho", "person/v1/rrn"}
    assert sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")) == [
        "benefit_payment_v1_submission", "person_v1_submission", "publish"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A temporary Dagster instance configured by the repo's own dagster.yaml."""
    path = tmp_path / "dagster_home"
    path.mkdir()
    shutil.copyfile(ROOT / "dagster_home" / "dagster.yaml", path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(path))
    return path


def test_sensor_requests_one_run_per_new_file_and_none_for_a_duplicate(data, home):
    defs = build_definitions(ROOT, data.root)
    sensor = defs.resolve_sensor_def("landing_zone")
    resources = {"accord": AccordResource(project_dir=str(ROOT), data_dir=str(data.root))}
    with dg.DagsterInstance.get() as instance:
        first = sensor(dg.build_sensor_context(instance=instance, resources=resources))
        assert sorted((r.job_name, r.partition_key) for r in first.run_requests) == sorted([
            ("benefit_payment_v1_submission", "cba-51e38304ad09fc21"),
            ("benefit_payment_v1_submission", "rrn-5ac8f305d5820864"),
            ("person_v1_submission", "cba-a76755438c6a842c"),
            ("person_v1_submission", f"nho-{_sha('nho', 'clients_2026-11.xlsx')[:16]}"),
            ("person_v1_submission", "rrn-8fb87bd472edd4d9"),
            ("person_v1_submission", f"rrn-{_sha('rrn', 'personnes_2026-12.csv')[:16]}"),
        ])
        assert {r.partitions_def_name: len(r.partition_keys) for r in first.dynamic_partitions_requests} == {
            "benefit_payment_v1_submissions": 2, "person_v1_submissions": 4}
        shutil.copyfile(SAMPLES / "rrn" / "personnes_2026-11.csv", data.landing / "rrn" / "renamed-personnes_x.csv")
        shutil.copyfile(SAMPLES / "rrn" / "personnes_2026-11.csv", data.landing / "rrn" / "personnes_2027-01.csv")
        second = sensor(dg.build_sensor_context(instance=instance, resources=resources))
        assert second.run_requests == []
        assert "no new submission (1 duplicates, 1 refused)" in str(second.skip_reason)


def _versions(data) -> dict[str, int | None]:
    """The current version of every published table."""
    from accord.contracts import ContractRegistry
    from accord.publish.tables import AGENCIES, INTEGRATED, Table

    return {f"{c.label} {kind}": Table(data, c, kind).version() for c in ContractRegistry.load(ROOT / "contracts")
            .latest() for kind in (AGENCIES, INTEGRATED)}


def _sha(agency: str, name: str) -> str:
    import hashlib

    return hashlib.sha256((SAMPLES / agency / name).read_bytes()).hexdigest()


def test_full_run_through_the_instance(data, home):
    report = materialize_all(ROOT, data.root)
    assert report.success and len(report.runs) == 7  # six submissions, then publish
    assert (len(report.pickup.accepted), len(report.pickup.duplicates), len(report.pickup.refused)) == (6, 0, 0)
    with dg.DagsterInstance.get() as instance:
        records = instance.fetch_materializations(dg.AssetKey(["person", "v1", "integrated"]), limit=1).records
        assert records[0].asset_materialization.metadata["dagster/row_count"].value == 24
        assert records[0].asset_materialization.metadata["merged_records"].value == 2
        partitions = instance.get_dynamic_partitions("person_v1_submissions")
        assert len(partitions) == 4
    checks = [check for run in report.runs for check in run.checks]
    assert sorted(checks) == sorted([("dataset_rules", True)] * 6 + [("rows_balanced", True)] * 6 +
                                    [("row_rules", False)] * 5 + [("row_rules", True)])  # December is clean
    summary = json.loads((data.reports / "run-summary.json").read_text())
    counts = {(r["agency"], r["contract"]): (r["submissions"], r["rows_in"], r["rows_published"],
                                             r["rows_quarantined"]) for r in summary["results"]}
    assert counts == {("cba", "benefit_payment"): (1, 8, 6, 2), ("rrn", "benefit_payment"): (1, 10, 8, 2),
                      ("cba", "person"): (1, 11, 8, 3), ("nho", "person"): (1, 10, 6, 4),
                      ("rrn", "person"): (2, 15, 12, 3)}
    assert summary["all_balanced"] is True
    integrated = accord.read("person", 1, data_dir=data.root, project_dir=ROOT).collect()
    assert integrated.group_by("_agency").len().sort("_agency").rows() == [("cba", 8), ("nho", 6), ("rrn", 10)]
    assert (data.reports / "data_docs" / "index.html").exists()

    seed_landing(data.landing)  # the same six files again: nothing new is processed or published
    published_before = _versions(data)
    again = materialize_all(ROOT, data.root)
    assert (len(again.pickup.accepted), len(again.pickup.duplicates)) == (0, 6)
    assert len(again.runs) == 1
    assert _versions(data) == published_before
    summary = json.loads((data.reports / "run-summary.json").read_text())
    assert summary["submissions_by_status"] == {"duplicate": 6, "processed": 6}


def test_submissions_in_worker_processes_give_the_same_results(data, home):
    report = materialize_all(ROOT, data.root, workers=2)
    assert report.success and len(report.runs) == 7
    assert sorted(c for run in report.runs for c in run.checks if c[0] == "rows_balanced") == [
        ("rows_balanced", True)] * 6
    summary = json.loads((data.reports / "run-summary.json").read_text())
    assert {(r["agency"], r["contract"]): (r["rows_in"], r["rows_published"]) for r in summary["results"]} == {
        ("cba", "benefit_payment"): (8, 6), ("rrn", "benefit_payment"): (10, 8), ("cba", "person"): (11, 8),
        ("nho", "person"): (10, 6), ("rrn", "person"): (15, 12)}
    with dg.DagsterInstance.get() as instance:
        assert {instance.get_run_by_id(r.run_id).status for r in report.runs} == {dg.DagsterRunStatus.SUCCESS}
