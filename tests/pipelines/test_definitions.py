"""The Dagster code location: wiring, the landing sensor, and full runs in a temporary instance."""

from __future__ import annotations

import json
import shutil

import dagster as dg

import accord
from accord.intake import store_for
from pipelines.definitions import build_definitions
from pipelines.factories import submission_id_of
from pipelines.resources import AccordResource
from pipelines.runner import materialize_all
from tests.conftest import ROOT, SAMPLES, seed_landing


def test_definitions_build_the_asset_graph_and_checks(tmp_path):
    defs = build_definitions(ROOT, tmp_path)
    keys = sorted(k.to_user_string() for k in defs.resolve_all_asset_keys())
    contracts = ("benefit_payment/v1", "person/v1", "person/v2")  # every contract, mapped onto yet or not
    identities = ("person/v1", "person/v2")  # the contracts that resolve identities
    assert keys == sorted([f"{c}/{kind}" for c in contracts for kind in ("agencies", "integrated", "submissions")]
                          + [f"{c}/identities" for c in identities] + ["run_summary"])
    graph = defs.resolve_asset_graph()
    checks = sorted(c.to_user_string() for c in graph.asset_check_keys)
    per_submission = ("dataset_rules", "file_accepted", "row_rules", "rows_balanced")
    mappings = {"benefit_payment/v1": ["cba", "msa", "rrn"], "person/v1": ["cba", "msa", "nho", "rrn"],
                "person/v2": []}  # who maps onto what, read from the files' contract and contract_version
    assert checks == sorted([f"{c}/submissions:{name}" for c in contracts for name in per_submission] + [
        f"{c}/submissions:{check}_{agency}" for c in contracts for agency in mappings[c]
        for check in ("mapping_loads", "feeds_active_major")] + [
        f"{c}/identities:{name}" for c in identities
        for name in ("records_in_two_entities", "records_without_entity_key", "review_queue")])
    on_demand = ("mapping_loads", "feeds_active_major")
    assert all((graph.get_check_spec(c).partitions_def is not None) == (
        not c.name.startswith(on_demand) and c.asset_key.path[-1] == "submissions") for c in graph.asset_check_keys)
    # a contract no mapping names is labelled, and its tables are left out of the summary's inputs
    for kind in ("submissions", "agencies", "integrated"):
        node = graph.get(dg.AssetKey(["person", "v2", kind]))
        assert node.tags.get("accord/mapped") == "no" and node.tags["accord/status"] == "proposed"
        assert node.description.startswith("PROPOSED: not produced until it is published. UNMAPPED: ")
        assert "accord/mapped" not in graph.get(dg.AssetKey(["person", "v1", kind])).tags
    assert {k.to_user_string() for k in graph.get(dg.AssetKey(["run_summary"])).parent_keys} == {
        "benefit_payment/v1/integrated", "person/v1/integrated"}
    assert {k.to_user_string() for k in graph.get(dg.AssetKey(["person", "v1", "integrated"])).parent_keys} == {
        "person/v1/identities"}
    assert {k.to_user_string() for k in graph.get(dg.AssetKey(["person", "v1", "identities"])).parent_keys} == {
        "person/v1/agencies"}
    assert sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")) == [
        "benefit_payment_v1_submission", "person_v1_submission", "person_v2_submission", "publish"]
    publish = defs.resolve_job_def("publish")  # the contracts produced today only: not the proposed person v2
    assert sorted(k.to_user_string() for k in publish.asset_layer.selected_asset_keys) == [
        "benefit_payment/v1/agencies", "benefit_payment/v1/integrated", "person/v1/agencies",
        "person/v1/identities", "person/v1/integrated", "run_summary"]
    assert sorted(s.name for s in defs.sensors) == [
        "landing_zone", "publish_after_failed_submissions", "publish_after_submissions"]


def _sensor_context(instance, project=ROOT, data_root=None):
    return dg.build_sensor_context(instance=instance, resources={
        "accord": AccordResource(project_dir=str(project), data_dir=str(data_root))})


def test_sensor_requests_one_run_per_contract_over_readable_partitions(data, dagster_home, monkeypatch):
    defs = build_definitions(ROOT, data.root)
    sensor = defs.resolve_sensor_def("landing_zone")
    with dg.DagsterInstance.get() as instance:
        first = sensor(_sensor_context(instance, data_root=data.root))
        day = store_for(data).get("rrn-8fb87bd472edd4d9").received_at[:10]
        assert day  # the day a file was received is in its metadata, not in its key
        msa = f"msa/{_sha('msa', 'dossiers_2026-11.zip')[:16]}"  # two targets
        person = ["cba/2bf7c48e34ffc043/people_2026-11.ndjson", f"{msa}-person-v1/dossiers_2026-11.zip",
                  f"nho/{_sha('nho', 'clients_2026-11.xlsx')[:16]}/clients_2026-11.xlsx",
                  "rrn/8fb87bd472edd4d9/personnes_2026-11.csv",
                  f"rrn/{_sha('rrn', 'personnes_2026-12.csv')[:16]}/personnes_2026-12.csv"]
        benefit = ["cba/51e38304ad09fc21/payments_2026-11.csv", f"{msa}-benefit_payment-v1/dossiers_2026-11.zip",
                   "rrn/5ac8f305d5820864/paiements_2026-11.csv"]
        assert [submission_id_of(k) for k in person[:2]] == [
            "cba-2bf7c48e34ffc043", f"{msa.replace('/', '-')}-person-v1"]
        assert submission_id_of(f"rrn/{day}/personnes_2026-11.csv#8fb87bd472edd4d9") == "rrn-8fb87bd472edd4d9"
        assert {r.partitions_def_name: r.partition_keys for r in first.dynamic_partitions_requests} == {
            "benefit_payment_v1_submissions": benefit, "person_v1_submissions": person}
        assert sorted((r.job_name, dict(r.tags)) for r in first.run_requests) == [
            ("benefit_payment_v1_submission", {
                "accord/contract": "benefit_payment/v1", "accord/agency": "cba,msa,rrn", "accord/files": "3",
                "dagster/asset_partition_range_start": benefit[0], "dagster/asset_partition_range_end": benefit[2]}),
            ("person_v1_submission", {
                "accord/contract": "person/v1", "accord/agency": "cba,msa,nho,rrn", "accord/files": "5",
                "dagster/asset_partition_range_start": person[0], "dagster/asset_partition_range_end": person[4]}),
        ]
        assert [submission_id_of(k) for k in person] == [
            "cba-2bf7c48e34ffc043", f"msa-{_sha('msa', 'dossiers_2026-11.zip')[:16]}-person-v1",
            f"nho-{_sha('nho', 'clients_2026-11.xlsx')[:16]}", "rrn-8fb87bd472edd4d9",
            f"rrn-{_sha('rrn', 'personnes_2026-12.csv')[:16]}"]
        shutil.copyfile(SAMPLES / "rrn" / "personnes_2026-11.csv", data.landing / "rrn" / "renamed-personnes_x.csv")
        shutil.copyfile(SAMPLES / "rrn" / "personnes_2026-11.csv", data.landing / "rrn" / "personnes_2027-01.csv")
        second = sensor(_sensor_context(instance, data_root=data.root))
        assert second.run_requests == []
        assert "no new submission (1 duplicates, 1 refused, 0 waiting)" in str(second.skip_reason)

        monkeypatch.setenv("ACCORD_SUBMISSIONS_PER_RUN", "1")  # one run per submission, to spread over workers
        (data.landing / "cba" / "people_2.ndjson").write_bytes(
            (SAMPLES / "cba" / "people_2026-11.ndjson").read_bytes() + b"\n")
        third = sensor(_sensor_context(instance, data_root=data.root))
        assert [(r.job_name, r.tags["accord/file"], r.tags["dagster/asset_partition_range_start"] ==
                 r.tags["dagster/asset_partition_range_end"]) for r in third.run_requests] == [
            ("person_v1_submission", "people_2.ndjson", True)]


def test_a_mapping_added_while_running_is_used_at_the_next_tick(data, dagster_home, tmp_path):
    """No reload: the sensor reads the mappings as they are at each tick (and so do the assets)."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "contracts", project / "contracts")
    shutil.copytree(ROOT / "mappings", project / "mappings", ignore=shutil.ignore_patterns("nho"))
    defs = build_definitions(project, data.root)
    sensor = defs.resolve_sensor_def("landing_zone")
    with dg.DagsterInstance.get() as instance:
        first = sensor(_sensor_context(instance, project, data.root))
        assert sum(int(r.tags["accord/files"]) for r in first.run_requests) == 7  # msa's delivery: 2 contracts
        refused = [(r.agency, r.file_name, r.reason) for r in store_for(data).all() if r.status == "refused"]
        assert refused == [("nho", "clients_2026-11.xlsx", "unknown-agency")]  # that file only, not the folder
        assert sorted(p.name for p in (data.landing / "rrn").iterdir()) == []
        shutil.copytree(ROOT / "mappings" / "nho", project / "mappings" / "nho")
        shutil.copyfile(SAMPLES / "nho" / "clients_2026-11.xlsx", data.landing / "nho" / "clients_2026-11.xlsx")
        second = sensor(_sensor_context(instance, project, data.root))
        assert [(r.tags["accord/agency"], r.tags["accord/file"]) for r in second.run_requests] == [
            ("nho", "clients_2026-11.xlsx")]


def _latest_checks(instance, key, partitions) -> dict[str, dict[str, tuple[str, bool]]]:
    """Partition -> check -> (severity, passed) of the latest evaluation, as the UI shows them."""
    found: dict[str, dict[str, tuple[str, bool]]] = {p: {} for p in partitions}
    for name in ("file_accepted", "row_rules", "dataset_rules", "rows_balanced"):
        history = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey(key), name), limit=100)
        for record in reversed(history):  # oldest first: the latest wins
            evaluation = record.event.dagster_event.event_specific_data
            found[evaluation.partition][name] = (evaluation.severity.value, evaluation.passed)
    return found


def _versions(data) -> dict[str, int | None]:
    """The current version of every published table."""
    from accord.contracts import ContractRegistry
    from accord.publish.tables import AGENCIES, INTEGRATED, Table

    return {f"{c.label} {kind}": Table(data, c, kind).version() for c in ContractRegistry.load(ROOT / "contracts")
            .latest() for kind in (AGENCIES, INTEGRATED)}


def _sha(agency: str, name: str) -> str:
    import hashlib

    return hashlib.sha256((SAMPLES / agency / name).read_bytes()).hexdigest()


def test_full_run_through_the_instance(data, dagster_home):
    report = materialize_all(ROOT, data.root)
    assert report.success and len(report.runs) == 3  # one run per contract for its submissions, then publish
    assert (len(report.pickup.accepted), len(report.pickup.duplicates), len(report.pickup.refused)) == (8, 0, 0)
    with dg.DagsterInstance.get() as instance:
        records = instance.fetch_materializations(dg.AssetKey(["person", "v1", "integrated"]), limit=1).records
        assert records[0].asset_materialization.metadata["dagster/row_count"].value == 24  # people
        resolved = instance.fetch_materializations(dg.AssetKey(["person", "v1", "identities"]), limit=1).records
        metadata = resolved[0].asset_materialization.metadata
        assert {k: metadata[k].value for k in ("entities", "records", "records_linked", "pairs_for_review")} == {
            "entities": 24, "records": 28, "records_linked": 8, "pairs_for_review": 1}
        outcomes = {}
        for name in ("records_without_entity_key", "records_in_two_entities", "review_queue"):
            [record] = instance.event_log_storage.get_asset_check_execution_history(
                dg.AssetCheckKey(dg.AssetKey(["person", "v1", "identities"]), name), limit=1)
            evaluation = record.event.dagster_event.event_specific_data
            outcomes[name] = (evaluation.passed, evaluation.severity.value)
        assert outcomes == {"records_without_entity_key": (True, "ERROR"), "records_in_two_entities": (True, "ERROR"),
                            "review_queue": (False, "WARN")}  # one pair waits for a steward
        # every mapping_loads check evaluated, green, about its asset's latest materialization (so the UI shows
        # it evaluated, not "not evaluated" once the run materialized the partitions)
        for target, agencies in (("person/v1", "cba msa nho rrn"), ("benefit_payment/v1", "cba msa rrn")):
            asset = dg.AssetKey([*target.split("/"), "submissions"])
            latest = instance.fetch_materializations(asset, limit=1).records[0].storage_id
            for agency in agencies.split():
                [record] = instance.event_log_storage.get_asset_check_execution_history(
                    dg.AssetCheckKey(asset, f"mapping_loads_{agency}"), limit=1)
                evaluation = record.event.dagster_event.event_specific_data
                assert (evaluation.passed, evaluation.target_materialization_data.storage_id) == (True, latest)
        assert records[0].asset_materialization.metadata["merged_records"].value == 6  # 30 records, 24 people
        partitions = instance.get_dynamic_partitions("person_v1_submissions")
        assert len(partitions) == 5
        runs = {r.dagster_run.tags.get("accord/contract"): r.dagster_run.tags for r in instance.get_run_records()}
        assert runs["person/v1"]["accord/agency"] == "cba,msa,nho,rrn" and runs["person/v1"]["accord/files"] == "5"
        checks = _latest_checks(instance, ["person", "v1", "submissions"], partitions)
        assert checks == {p: {"file_accepted": ("ERROR", True),
                              "row_rules": ("WARN", p.startswith("rrn/") and "2026-12" in p),
                              "dataset_rules": ("ERROR", True), "rows_balanced": ("ERROR", True)} for p in partitions}
        # the publication run is tagged with every contract and agency it published
        assert {k: v for k, v in runs["benefit_payment/v1,person/v1"].items() if k.startswith("accord/")} == {
            "accord/contract": "benefit_payment/v1,person/v1", "accord/agency": "cba,msa,nho,rrn",
            "accord/trigger": "accord run"}
        rrn = next(p for p in partitions if "personnes_2026-11" in p)
        metadata = instance.fetch_materializations(dg.AssetKey(["person", "v1", "submissions"]), limit=10).records
        shown = next(r.asset_materialization.metadata for r in metadata if r.partition_key == rrn)
        assert shown["submission_id"].value == "rrn-8fb87bd472edd4d9"
        assert shown["data_docs"].value.startswith(f"file://{data.reports}/data_docs/validations/")
        assert shown["errors_csv"].value == (data.quarantine / "rrn" / "person" / "v1" /
                                             "8fb87bd472edd4d9-personnes_2026-11.csv.errors.csv").as_uri()
        assert shown["report"].value == (data.reports / "submissions" / "rrn-8fb87bd472edd4d9.json").as_uri()
        clean = next(r.asset_materialization.metadata for r in metadata if "2026-12" in r.partition_key)
        assert "errors_csv" not in clean and clean["rows_quarantined"].value == 0
    checks = [check for run in report.runs for check in run.checks]
    assert sorted(checks) == sorted([("dataset_rules", True)] * 8 + [("rows_balanced", True)] * 8 +
                                    [("file_accepted", True)] * 8 +
                                    [("row_rules", False)] * 7 + [("row_rules", True)] +  # December is clean
                                    [("records_without_entity_key", True), ("records_in_two_entities", True),
                                     ("review_queue", False)])  # person v1's identities: one pair to review
    summary = json.loads((data.reports / "run-summary.json").read_text())
    counts = {(r["agency"], r["contract"]): (r["submissions"], r["rows_in"], r["rows_published"],
                                             r["rows_quarantined"]) for r in summary["results"]}
    assert counts == {("cba", "benefit_payment"): (1, 8, 6, 2), ("rrn", "benefit_payment"): (1, 10, 8, 2),
                      ("msa", "benefit_payment"): (1, 6, 3, 2), ("cba", "person"): (1, 11, 8, 3),
                      ("msa", "person"): (1, 6, 4, 1), ("nho", "person"): (1, 10, 6, 4),
                      ("rrn", "person"): (2, 15, 12, 3)}
    assert summary["all_balanced"] is True
    integrated = accord.read("person", 1, data_dir=data.root, project_dir=ROOT).collect()
    # one record per person, the surviving agency's: rrn's 10 people, 4 of them also known elsewhere
    assert integrated.group_by("_agency").len().sort("_agency").rows() == [("cba", 6), ("msa", 3), ("nho", 5),
                                                                           ("rrn", 10)]
    assert (data.reports / "data_docs" / "index.html").exists()

    seed_landing(data.landing)  # the same seven files again: nothing new is processed or published
    published_before = _versions(data)
    again = materialize_all(ROOT, data.root)
    assert (len(again.pickup.accepted), len(again.pickup.duplicates)) == (0, 8)
    assert len(again.runs) == 1
    assert _versions(data) == published_before
    with dg.DagsterInstance.get() as instance:  # a publication that committed nothing says so
        latest = instance.get_run_record_by_id(again.runs[0].run_id).dagster_run.tags
        assert (latest["accord/contract"], latest["accord/agency"]) == ("none", "none")
    summary = json.loads((data.reports / "run-summary.json").read_text())
    assert summary["submissions_by_status"] == {"duplicate": 8, "processed": 8}

    # "Materialize all" in the UI: one run over every partition, which reports the recorded results
    job = build_definitions(ROOT, data.root).resolve_job_def("person_v1_submission")
    with dg.DagsterInstance.get() as instance:
        keys = instance.get_dynamic_partitions("person_v1_submissions")
        result = job.execute_in_process(instance=instance, tags={"dagster/asset_partition_range_start": keys[0],
                                                                 "dagster/asset_partition_range_end": keys[-1]})
        assert result.success
        shown = [e.step_materialization_data.materialization.metadata
                 for e in result.get_asset_materialization_events()]
        assert [(m["processed_in_this_run"].value, m["rows_quarantined"].value) for m in shown] == [
            (False, 3), (False, 1), (False, 4), (False, 3), (False, 0)]
        assert _latest_checks(instance, ["person", "v1", "submissions"], keys)[keys[1]]["row_rules"] == ("WARN", False)
    assert _versions(data) == published_before


def test_submissions_in_worker_processes_give_the_same_results(data, dagster_home):
    report = materialize_all(ROOT, data.root, workers=2)
    assert report.success and len(report.runs) == 9
    assert sorted(c for run in report.runs for c in run.checks if c[0] == "rows_balanced") == [
        ("rows_balanced", True)] * 8
    summary = json.loads((data.reports / "run-summary.json").read_text())
    assert {(r["agency"], r["contract"]): (r["rows_in"], r["rows_published"]) for r in summary["results"]} == {
        ("cba", "benefit_payment"): (8, 6), ("rrn", "benefit_payment"): (10, 8), ("cba", "person"): (11, 8),
        ("nho", "person"): (10, 6), ("rrn", "person"): (15, 12), ("msa", "benefit_payment"): (6, 3),
        ("msa", "person"): (6, 4)}
    with dg.DagsterInstance.get() as instance:
        assert {instance.get_run_by_id(r.run_id).status for r in report.runs} == {dg.DagsterRunStatus.SUCCESS}


def test_partition_keys_survive_hostile_file_names():
    """A file name is the agency's: whatever it holds, the key is one Dagster accepts and gives the id back."""
    from dagster._core.definitions.partitions.utils.base import raise_error_on_invalid_partition_key_substring

    from accord.intake.store import Submission
    from pipelines.factories import partition_key

    for name, shown in [("a...b.csv", "a_b.csv"), ("x#y#z.csv", "x#y#z.csv"), ("é v1, final.csv", "é v1, final.csv")]:
        submission = Submission(submission_id="rrn-0123456789abcdef", agency="rrn", contract="person/v1",
                                file_name=name, sha256="0123456789abcdef" + "0" * 48, size=1,
                                received_at="2026-11-29T12:00:00+00:00", archived_path=None, status="received")
        key = partition_key(submission)
        assert key == f"rrn/0123456789abcdef/{shown}"
        assert submission_id_of(key) == "rrn-0123456789abcdef"
        raise_error_on_invalid_partition_key_substring([key])  # what Dagster checks of a sensor's keys
