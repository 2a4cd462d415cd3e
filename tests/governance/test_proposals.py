"""A proposed contract never changes what is produced, a lifecycle change never changes a contract's identity, and a
migration target that does not lint holds only itself (issue: operations you can trust)."""

from __future__ import annotations

import json
import shutil

import yaml
from typer.testing import CliRunner

import accord
from accord.agency import run_agency
from accord.cli import app
from accord.contracts import ContractRegistry, load_contract
from accord.governance.lifecycle import publish
from accord.intake import Intake
from accord.intake.store import SubmissionStore
from accord.mapping.health import mapping_health
from accord.mapping.loader import scan_mappings
from tests.conftest import ROOT
from tests.helpers import person_contract_data, write_contract


def _project(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "contracts", project / "contracts")
    shutil.copytree(ROOT / "mappings", project / "mappings")
    return project


def _minor(description: str = "The language the person prefers.") -> dict:
    data = person_contract_data(identity=True)
    data["version"], data["status"] = "1.1.0", "proposed"
    props = {p["name"]: p for p in data["schema"][0]["properties"]}
    props["preferred_language"]["description"] = description
    return data


def test_a_proposed_minor_beside_the_active_version_changes_nothing_that_runs(tmp_path, data, mappings, monkeypatch):
    project = _project(tmp_path)
    write_contract(project / "contracts", _minor())
    registry = ContractRegistry.load(project / "contracts")
    assert registry.resolve("person", 1).version == "1.0.0"
    scan = scan_mappings(project / "mappings", registry)
    assert not scan.broken and not scan.held
    assert sorted({m.contract.label for m in scan.mappings}) == ["benefit_payment v1.0.0", "person v1.0.0"]
    for name in ("rrn/person", "nho/person", "cba/person", "msa/person"):
        run_agency(mappings[name], data, dataset_rules=False)  # archived, for the measure

    # measured from contracts/ exactly as from elsewhere: same figures
    monkeypatch.setenv("ACCORD_DATA_DIR", str(data.root))
    cli = CliRunner()
    inside = cli.invoke(app, ["contract", "propose", str(project / "contracts/person/1.1.0.yaml"), "--json",
                              "--project-dir", str(project)])
    outside_file = write_contract(tmp_path / "elsewhere", _minor())
    outside = cli.invoke(app, ["contract", "propose", str(outside_file), "--json", "--project-dir", str(project)])
    assert inside.exit_code == outside.exit_code == 0, inside.output
    report = json.loads(inside.output)
    assert report == json.loads(outside.output)
    assert [(a["agency"], a["current"], a["impacted"], [e["published_before"] for e in a["extracts"]])
            for a in report["agencies"]] == [
        ("cba", "person v1.0.0", False, [8]), ("msa", "person v1.0.0", False, [4]),
        ("nho", "person v1.0.0", False, [6]), ("rrn", "person v1.0.0", False, [3])]
    assert [c["kind"] for c in report["changes"]] == ["description-changed"]


def test_propose_refuses_a_version_bump_smaller_than_its_changes(tmp_path):
    project = _project(tmp_path)
    data = _minor()
    props = {p["name"]: p for p in data["schema"][0]["properties"]}
    props["postal_code"]["required"] = True  # breaking: a major change called 1.1.0
    file = write_contract(project / "contracts", data)
    result = CliRunner().invoke(app, ["contract", "propose", str(file), "--project-dir", str(project)])
    assert result.exit_code == 2
    assert " ".join(result.output.split()) == (
        f"{file}: person 1.0.0 -> 1.1.0 is a minor bump, and its changes need a major one (accord contract diff "
        "lists them): give the proposal a version that says so")


def test_the_rules_identity_is_kept_through_the_lifecycle_and_changes_with_a_rule(tmp_path):
    contracts = shutil.copytree(ROOT / "contracts", tmp_path / "contracts")
    before = load_contract(contracts / "person" / "1.0.0.yaml")
    publish(contracts, "person", "2.0.0", SubmissionStore.sqlite(tmp_path / "r.sqlite"), "op", sunset="2027-01-31")
    after = load_contract(contracts / "person" / "1.0.0.yaml")
    assert (after.status, after.sunset) == ("deprecated", "2027-01-31")
    assert after.sha256 == before.sha256
    text = (contracts / "person" / "1.0.0.yaml").read_text("utf-8")
    (contracts / "person" / "1.0.0.yaml").write_text(text.replace("maxLength: 40", "maxLength: 41"), "utf-8")
    assert load_contract(contracts / "person" / "1.0.0.yaml").sha256 != before.sha256


def test_a_target_that_does_not_lint_holds_only_its_own_contract(tmp_path, data):
    """rrn's person.yaml with a person v2 target missing updated_at (what an unfinished migration leaves): person
    v1 and rrn's payments still load and are picked up; the v2 target is held, with lint's finding."""
    project = _project(tmp_path)
    file = project / "mappings" / "rrn" / "person.yaml"
    upgraded = CliRunner().invoke(app, ["mapping", "upgrade", str(file), "--to-contract", "person/2",
                                        "--project-dir", str(project)])
    file.write_text(upgraded.output, encoding="utf-8")  # printed, then put in place by hand
    document = yaml.safe_load(file.read_text("utf-8"))
    assert [t["contract_version"] for t in document["targets"]] == [1, 2]
    contracts = project / "contracts"
    v2 = contracts / "person" / "2.0.0.yaml"
    v2.write_text(v2.read_text("utf-8").replace("status: proposed", "status: active"), "utf-8")
    scan = scan_mappings(project / "mappings", ContractRegistry.load(contracts))
    assert not scan.broken
    [held] = scan.held
    assert (held.agency, held.target, held.kind) == ("rrn", "person/v2", "broken")
    assert "required contract fields not produced: updated_at" in held.message
    assert sorted(m.contract.label for m in scan.mappings if m.agency == "rrn") == [
        "benefit_payment v1.0.0", "person v1.0.0"]
    health = mapping_health(project / "mappings", scan, ContractRegistry.load(contracts))
    assert {(h.target, h.loads) for h in health.pairs if h.agency == "rrn"} == {
        ("benefit_payment/v1", True), ("person/v1", True), ("person/v2", False)}
    assert health.message().startswith("1 mapping file(s) have a target that does not load; it is held, the "
                                       "file's other targets run:\n  mappings/rrn/person.yaml\n    ")
    (data.landing / "rrn").mkdir(parents=True, exist_ok=True)
    for sample in (ROOT / "samples" / "landing" / "rrn").iterdir():
        shutil.copy(sample, data.landing / "rrn" / sample.name)
    pickup = Intake(data, scan.mappings, broken=scan.problems, ended=scan.held).pickup("rrn")
    assert sorted((s.contract, s.file_name) for s in pickup.accepted) == [
        ("benefit_payment/v1", "paiements_2026-11.csv"), ("person/v1", "personnes_2026-11.csv"),
        ("person/v1", "personnes_2026-12.csv")]
    assert not pickup.waiting and not pickup.refused


def test_a_backfill_killed_midway_is_finished_by_the_next(tmp_path, data, mappings, pseudonym_key):
    """rrn migrated to person v2 (its mapping feeds both); the backfill is killed after recording the first of its
    two archived files, then after processing one: each next backfill finishes, the totals as uninterrupted."""
    import os
    import subprocess
    import sys

    project = _project(tmp_path)
    run_agency(mappings["rrn/person"], data, dataset_rules=False)  # two files archived onto person v1
    v2 = project / "contracts" / "person" / "2.0.0.yaml"
    v2.write_text(v2.read_text("utf-8").replace("status: proposed", "status: active"), "utf-8")
    file = project / "mappings" / "rrn" / "person.yaml"
    drafted = CliRunner().invoke(app, ["mapping", "upgrade", str(file), "--to-contract", "person/2",
                                       "--project-dir", str(project)])
    document = yaml.safe_load(drafted.output)
    document["targets"][1]["fields"]["updated_at"] = {"constant": "2026-12-31T12:00:00+00:00"}
    file.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")

    def backfill(fault: str | None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "ACCORD_DATA_DIR": str(data.root), "PYTHONPATH": str(ROOT)}
        env.pop("ACCORD_FAULT", None)
        if fault:
            env["ACCORD_FAULT"] = fault
        return subprocess.run([sys.executable, "-m", "accord.cli", "contract", "backfill", "person", "--major", "2",
                               "--project-dir", str(project)], env=env, capture_output=True, text=True, timeout=300)

    assert backfill("backfill.after-record").returncode == -9  # killed after recording the first file
    assert backfill("process.after-stage").returncode == -9  # killed inside the processing of one
    done = backfill(None)
    assert done.returncode == 0, done.stderr
    assert " ".join(done.stdout.split()) == (  # both processed here: the one killed midway is done again
        "rrn: 0 extract(s) added, 2 already there, 2 processed: 15 row(s) in, 11 published, 4 quarantined, "
        "0 filtered")
    v2_rrn = accord.read("person", 2, data_dir=data.root, project_dir=project).collect()
    assert sorted(v2_rrn["person_id"]) == [
        "RRN-0001", "RRN-0002", "RRN-0003", "RRN-0004", "RRN-0008", "RRN-0009", "RRN-0010", "RRN-0012", "RRN-0013"]
    again = backfill(None)
    assert " ".join(again.stdout.split()).startswith("rrn: 0 extract(s) added, 2 already there, 0 processed")
