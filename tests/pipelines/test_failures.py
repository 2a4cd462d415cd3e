"""Failures show where the engineer looks: a mapping that does not load fails the landing sensor's tick and its
``mapping_loads`` check; a refused file fails its run (an ERROR check on its partition) while the other files
of the run are processed and published; two first runs on a fresh instance both work."""

from __future__ import annotations

import shutil
import subprocess
import sys

import dagster as dg
import pytest

import accord
from pipelines.definitions import build_definitions
from pipelines.resources import AccordResource
from pipelines.runner import materialize_all
from pipelines.sensors import MappingsDoNotLoad
from tests.conftest import ROOT, seed_landing

LINT_LINE = ("mappings/rrn/person.yaml:19:5: error: fields.family_name.form: unknown key 'form' "
             "(hint: did you mean 'from'?)")


@pytest.fixture
def project(tmp_path):
    """A copy of the repo's contracts and mappings, for a test to break."""
    folder = tmp_path / "project"
    shutil.copytree(ROOT / "contracts", folder / "contracts")
    shutil.copytree(ROOT / "mappings", folder / "mappings")
    return folder


def _retype(project, old: str, new: str) -> None:
    file = project / "mappings" / "rrn" / "person.yaml"
    text = file.read_text()
    assert text.count(old) == 1
    file.write_text(text.replace(old, new))


def _context(instance, project, data):
    return dg.build_sensor_context(instance=instance, resources={
        "accord": AccordResource(project_dir=str(project), data_dir=str(data.root))})


def _mapping_checks(instance) -> dict[str, tuple[bool, str]]:
    """``<contract>:<check>`` -> (passed, problems) of the latest evaluation of every mapping_loads check."""
    found = {}
    for target in ("benefit_payment/v1", "person/v1"):
        for agency in ("cba", "msa", "nho", "rrn"):
            key = dg.AssetCheckKey(dg.AssetKey([*target.split("/"), "submissions"]), f"mapping_loads_{agency}")
            history = instance.event_log_storage.get_asset_check_execution_history(key, limit=1)
            if history:
                evaluation = history[0].event.dagster_event.event_specific_data
                problems = evaluation.metadata.get("problems")
                found[f"{target}:{key.name}"] = (evaluation.passed, problems.value if problems else "")
    return found


def test_a_mapping_that_does_not_load_fails_the_tick_and_its_check(project, data, dagster_home):
    _retype(project, "    from: NOM\n", "    form: NOM\n")  # the typo of the issue
    defs = build_definitions(project, data.root)
    sensor = defs.resolve_sensor_def("landing_zone")
    seed_landing(data.landing)
    with dg.DagsterInstance.get() as instance:
        first = sensor(_context(instance, project, data))  # other agencies' files: their runs start
        assert sorted(r.tags["accord/agency"] for r in first.run_requests) == ["cba,msa", "cba,msa,nho"]
        checks = _mapping_checks(instance)
        assert checks["person/v1:mapping_loads_rrn"] == (False, LINT_LINE)
        assert checks["benefit_payment/v1:mapping_loads_rrn"] == (False, (
            "mappings/rrn/person.yaml does not load: every file of agency rrn waits in landing until it does"))
        assert {k: v for k, v in checks.items() if "rrn" not in k} == {
            f"{t}:mapping_loads_{a}": (True, "") for t, a in [
                ("benefit_payment/v1", "cba"), ("benefit_payment/v1", "msa"), ("person/v1", "cba"),
                ("person/v1", "msa"), ("person/v1", "nho")]}
        assert sorted(p.name for p in (data.landing / "rrn").iterdir()) == [
            "paiements_2026-11.csv", "personnes_2026-11.csv", "personnes_2026-12.csv"]  # waiting, not refused

        with pytest.raises(MappingsDoNotLoad) as failed:  # nothing else to do: the tick fails
            sensor.evaluate_tick(_context(instance, project, data))
        assert str(failed.value) == (
            "1 mapping file(s) do not load; their agencies' files wait in landing:\n"
            f"  mappings/rrn/person.yaml\n    {LINT_LINE}")
        events = len(instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey(["person", "v1", "submissions"]), "mapping_loads_rrn"), limit=10))
        assert events == 1  # recorded when the answer changes, not at every tick

        _retype(project, "    form: NOM\n", "    from: NOM\n")  # mended: the next tick runs rrn's files
        mended = sensor(_context(instance, project, data))
        assert sorted((r.tags["accord/contract"], r.tags["accord/agency"]) for r in mended.run_requests) == [
            ("benefit_payment/v1", "rrn"), ("person/v1", "rrn")]
        assert _mapping_checks(instance)["person/v1:mapping_loads_rrn"] == (True, "")

        # the check can also be run from the UI (the multi-asset check), with the same answer
        _retype(project, "    from: NOM\n", "    form: NOM\n")
        key = dg.AssetCheckKey(dg.AssetKey(["person", "v1", "submissions"]), "mapping_loads_rrn")
        job = dg.Definitions.merge(defs, dg.Definitions(jobs=[dg.define_asset_job(
            "check_rrn", selection=dg.AssetSelection.checks(key))])).resolve_job_def("check_rrn")
        result = job.execute_in_process(instance=instance)
        [evaluation] = result.get_asset_check_evaluations()
        assert (evaluation.passed, evaluation.severity, evaluation.metadata["problems"].value) == (
            False, dg.AssetCheckSeverity.ERROR, LINT_LINE)


def test_a_refused_file_fails_its_run_and_the_other_files_are_published(project, data, dagster_home):
    _retype(project, "    from: NOM\n", "    from: Surnme\n")  # lints, but no file of rrn has that column
    seed_landing(data.landing)
    report = materialize_all(project, data.root)
    with dg.DagsterInstance.get() as instance:
        runs = {r.dagster_run.tags.get("accord/contract"): r.dagster_run for r in instance.get_run_records()}
        assert runs["person/v1"].status == dg.DagsterRunStatus.FAILURE
        assert runs["benefit_payment/v1"].status == dg.DagsterRunStatus.SUCCESS
        partitions = instance.get_dynamic_partitions("person_v1_submissions")
        partitions_of_rrn = [p for p in partitions if p.startswith("rrn/")]
        failure = instance.get_records_for_run(runs["person/v1"].run_id,
                                               of_type=dg.DagsterEventType.STEP_FAILURE).records
        message = failure[0].event_log_entry.dagster_event.step_failure_data.error.message
        assert message.strip() == ("dagster._core.definitions.events.Failure: 2 file(s) refused: "
                                   f"{partitions_of_rrn[0]}: missing-column: Surnme; "
                                   f"{partitions_of_rrn[1]}: missing-column: Surnme")
        # a refused file's partition is failed (red in the UI), never materialized; the others are materialized
        key = dg.AssetKey(["person", "v1", "submissions"])
        assert instance.get_materialized_partitions(key) == {p for p in partitions if not p.startswith("rrn/")}
        statuses = instance.get_status_by_partition(key, partitions, dg.DynamicPartitionsDefinition(
            name="person_v1_submissions"))
        assert {p: s.value for p, s in statuses.items()} == {
            p: "FAILED" if p.startswith("rrn/") else "MATERIALIZED" for p in partitions}
        accepted = {}
        history = instance.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey(["person", "v1", "submissions"]), "file_accepted"), limit=20)
        for record in history:
            evaluation = record.event.dagster_event.event_specific_data
            accepted[evaluation.partition] = (evaluation.severity, evaluation.passed,
                                              evaluation.metadata["refused"].value if "refused" in
                                              evaluation.metadata else None)
        assert accepted == {p: (dg.AssetCheckSeverity.ERROR, False, "missing-column: Surnme") if p.startswith("rrn/")
                            else (dg.AssetCheckSeverity.ERROR, True, None) for p in partitions}
        for name in ("row_rules", "dataset_rules", "rows_balanced"):  # they did not run: never a red failure
            history = instance.event_log_storage.get_asset_check_execution_history(dg.AssetCheckKey(key, name), 20)
            evaluated = {r.event.dagster_event.event_specific_data.partition for r in history
                         if r.event and isinstance(r.event.dagster_event.event_specific_data, dg.AssetCheckEvaluation)}
            assert evaluated == {p for p in partitions if not p.startswith("rrn/")}, name

        # the failed run's other files were published, by `accord run` and by the sensor after a failed run
        published = accord.read("person", 1, data_dir=data.root, project_dir=project).collect()
        assert published.group_by("_agency").len().sort("_agency").rows() == [("cba", 8), ("msa", 4), ("nho", 6)]
        publish = instance.get_run_by_id(report.runs[-1].run_id)
        assert publish.status == dg.DagsterRunStatus.SUCCESS
        assert publish.tags["accord/agency"] == "cba,msa,nho,rrn"  # rrn: its payments
        sensor = build_definitions(project, data.root).resolve_sensor_def("publish_after_failed_submissions")
        event = instance.get_records_for_run(runs["person/v1"].run_id, of_type=dg.DagsterEventType.RUN_FAILURE
                                             ).records[0].event_log_entry.dagster_event
        request = sensor(dg.build_run_status_sensor_context(
            sensor_name=sensor.name, dagster_event=event, dagster_instance=instance, dagster_run=runs["person/v1"]
        ).for_run_failure())
        assert sensor.targets[0].job_name == "publish"
        assert (request.run_key, request.tags) == (f"publish-after-{runs['person/v1'].run_id}",
                                                   {"accord/after": runs["person/v1"].run_id})
    assert not report.success and [r.success for r in report.runs].count(False) == 1


FIRST_RUN = """
from pipelines.runner import ready_instance
with ready_instance() as instance:
    print(instance.get_runs_count())
"""


def test_first_runs_started_together_share_one_new_instance(tmp_path, monkeypatch):
    """Four processes open a fresh instance at once, three times over: its SQLite storages are created once."""
    for attempt in range(3):
        home = tmp_path / f"home{attempt}"
        home.mkdir()
        shutil.copyfile(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        processes = [subprocess.Popen([sys.executable, "-c", FIRST_RUN], cwd=ROOT, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for _ in range(4)]
        answers = [p.communicate(timeout=120) for p in processes]
        assert [(p.returncode, out.strip()) for p, (out, _) in zip(processes, answers, strict=True)] == [
            (0, "0")] * 4, [err[-500:] for _, err in answers]


def test_a_yaml_syntax_error_keeps_its_check_defined_and_red(project, data, dagster_home):
    """Its targets are read from the file's contract lines, so the check is still there to turn red and to run."""
    _retype(project, "    from: NOM\n", "    from: [NOM\n")  # an unclosed flow sequence
    defs = build_definitions(project, data.root)
    key = dg.AssetCheckKey(dg.AssetKey(["person", "v1", "submissions"]), "mapping_loads_rrn")
    assert key in {spec.key for checks in defs.asset_checks for spec in checks.check_specs}
    with dg.DagsterInstance.get() as instance:
        defs.resolve_sensor_def("landing_zone")(_context(instance, project, data))
        passed, problems = _mapping_checks(instance)["person/v1:mapping_loads_rrn"]
        assert not passed and problems.startswith("mappings/rrn/person.yaml:20:"), problems
        job = dg.Definitions.merge(defs, dg.Definitions(jobs=[dg.define_asset_job(
            "check_rrn", selection=dg.AssetSelection.checks(key))])).resolve_job_def("check_rrn")
        [evaluation] = job.execute_in_process(instance=instance).get_asset_check_evaluations()
        assert (evaluation.passed, evaluation.metadata["problems"].value) == (False, problems)
