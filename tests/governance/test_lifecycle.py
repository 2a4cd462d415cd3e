"""Contract governance, the whole flow on person 2.0.0: measured, published beside 1.0.0 with a sunset, one agency
migrated with ``mapping upgrade --to-contract``, both majors produced side by side, 1.0.0 no longer produced
after its sunset and retired, consumers reading v1 then v2, every action in the audit trail."""

from __future__ import annotations

import shutil

import polars as pl
import yaml
from typer.testing import CliRunner

import accord
from accord.agency import publish_agency
from accord.cli import app
from accord.contracts import ContractRegistry
from accord.governance.audit import events
from accord.governance.changes import contract_changes
from accord.intake import Intake
from accord.intake.landing import store_for
from accord.integrate import integrate
from accord.mapping import load_mappings
from accord.publish.manifest import read_manifest
from accord.submission import PENDING, run_submission
from tests.conftest import ROOT

RRN_JANUARY = ("NO_DOSSIER;NAS;NOM;PRENOM;DATE_NAISS;SEXE;CODE_POSTAL;PROV;LANGUE\r\n"
               "RRN-0201;046454286;Roy;Luc;03/02/1950;H;H2X 1Y4;QC;Français\r\n"
               "RRN-0202;;Côté;Ève;11/12/1961;F;G1R 2B5;QC;Anglais\r\n")


def _run(project, data, key, agency: str) -> dict[str, tuple[int, int]]:
    """Pick up and process the agency's landing files with the mappings as they load today; publish. Per
    contract version: (records in, records published) over its submissions."""
    registry = ContractRegistry.load(project / "contracts")
    mappings = [m for m in load_mappings(project / "mappings", registry) if m.agency == agency]
    intake = Intake(data, mappings)
    intake.pickup(agency)
    done = {}
    for submission in intake.store.with_status(*PENDING):
        ran = run_submission(submission.submission_id, intake, key, dataset_rules=False)
        assert ran is not None
        rows_in, published = done.get(submission.contract, (0, 0))
        done[submission.contract] = (rows_in + ran[0].rows_in, published + ran[0].rows_published)
    for mapping in mappings:
        publish_agency(mapping.contract, agency, data, key)
        integrate(mapping.contract, data, key)
    return done


def test_person_2_from_proposal_to_the_retirement_of_person_1(tmp_path, data, pseudonym_key, monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "contracts", project / "contracts")
    shutil.copytree(ROOT / "mappings", project / "mappings")
    cli = CliRunner()
    common = ["--project-dir", str(project)]
    monkeypatch.setenv("ACCORD_DATA_DIR", str(data.root))
    monkeypatch.setenv("ACCORD_OPERATOR", "op-token-7")
    first = _run(project, data, pseudonym_key, "rrn")
    assert first == {"person/v1": (15, 12), "benefit_payment/v1": (10, 8)}, first  # samples: 12 + 3 people

    # 1. the proposal's impact (exact figures: tests/governance/test_impact.py)
    proposed = cli.invoke(app, ["contract", "propose", str(project / "contracts/person/2.0.0.yaml"), *common])
    assert proposed.exit_code == 1 and "rrn: affected" in proposed.output
    again = cli.invoke(app, ["contract", "propose", str(project / "contracts/person/2.0.0.yaml"), *common])
    assert again.exit_code == 1  # measured again: the saved report is replaced, the trail says "proposed" once

    # 2. published beside 1.0.0, which is deprecated until its sunset; again: nothing changes
    published = cli.invoke(app, ["contract", "publish", "person", "2.0.0", "--sunset", "2027-01-31", *common])
    assert published.exit_code == 0, published.output
    assert published.output.split("\n")[:2] == ["person 2.0.0: published", "person 1.0.0: deprecated"]
    again = cli.invoke(app, ["contract", "publish", "person", "2.0.0", "--sunset", "2027-01-31", *common])
    assert again.output.split("\n")[:2] == ["person 2.0.0: published (already)", "person 1.0.0: deprecated (already)"]
    registry = ContractRegistry.load(project / "contracts")
    v1, v2 = registry.resolve("person", 1), registry.resolve("person", 2)
    assert (v1.status, v1.sunset, v2.status) == ("deprecated", "2027-01-31", "active")
    [coming] = contract_changes(registry, {"rrn": [v1]}, data)  # what rrn's portal page and API say now
    assert (coming.version, coming.status, coming.deadline, coming.impact["to_quarantine"]) == (
        "2.0.0", "active", "2027-01-31", 3)
    view = cli.invoke(app, ["contract", "changes", "--agency", "rrn", *common])
    assert " ".join(view.output.split()) == (
        "rrn feeds benefit_payment v1.0.0, person v1.0.0 person 2.0.0 (active, deadline 2027-01-31): to migrate: 3 "
        "record(s) of its latest file would be quarantined, unfilled: updated_at")
    assert "# Shared contract: a person known to a public agency." in v1.file.read_text()  # comments kept

    # 3. rrn migrates: a person v2 target beside v1, its one TODO (updated_at) filled by the agency
    mapping_file = project / "mappings" / "rrn" / "person.yaml"
    upgraded = cli.invoke(app, ["mapping", "upgrade", str(mapping_file), "--to-contract", "person/2", "--write",
                                *common])
    assert upgraded.exit_code == 0 and "to person v2.0.0: 1 TODO(s)" in " ".join(upgraded.output.split())
    text = mapping_file.read_text("utf-8")
    assert "# TODO: updated_at: required by person v2.0.0; no entry of the old mapping gives it" in text
    document = yaml.safe_load(text)
    assert [(t["contract"], t["contract_version"]) for t in document["targets"]] == [("person", 1), ("person", 2)]
    assert document["targets"][1]["fields"]["gender"] == document["targets"][0]["fields"]["sex"]
    document["targets"][1]["fields"]["updated_at"] = {"constant": "2026-12-31T12:00:00+00:00"}
    mapping_file.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    lint = cli.invoke(app, ["mapping", "lint", str(mapping_file), *common])
    assert lint.exit_code == 0, lint.output

    # 4. side by side: January's file feeds both majors
    monkeypatch.setenv("ACCORD_TODAY", "2027-01-15")
    (data.landing / "rrn" / "personnes_2027-01.csv").write_bytes(RRN_JANUARY.encode("cp1252"))
    assert _run(project, data, pseudonym_key, "rrn") == {"person/v1": (2, 2), "person/v2": (2, 2)}
    both_v1 = accord.read("person", 1, data_dir=data.root, project_dir=project).collect()
    as_v2 = accord.read("person", 2, data_dir=data.root, project_dir=project).collect()
    assert {"RRN-0201", "RRN-0202"} <= set(both_v1["person_id"]) and "sex" in both_v1.columns
    assert sorted(as_v2["person_id"]) == ["RRN-0201", "RRN-0202"] and "gender" in as_v2.columns
    assert as_v2.filter(pl.col("person_id") == "RRN-0202")["gender"].to_list() == ["F"]

    # 5. after the sunset, person v1 is no longer produced; retired, it stays readable
    monkeypatch.setenv("ACCORD_TODAY", "2027-02-01")
    (data.landing / "rrn" / "personnes_2027-02.csv").write_bytes(
        RRN_JANUARY.replace("RRN-0201", "RRN-0301").replace("RRN-0202", "RRN-0302").encode("cp1252"))
    assert _run(project, data, pseudonym_key, "rrn") == {"person/v2": (2, 2)}
    retired = cli.invoke(app, ["contract", "retire", "person", "1", *common])
    assert retired.exit_code == 0 and "person 1.0.0: retired" in retired.output, retired.output
    v1_after = accord.read("person", 1, data_dir=data.root, project_dir=project).collect()
    assert v1_after.height == both_v1.height and "RRN-0301" not in set(v1_after["person_id"])
    assert "RRN-0301" in set(accord.read("person", 2, data_dir=data.root, project_dir=project).collect()["person_id"])
    registry = ContractRegistry.load(project / "contracts")
    assert registry.resolve("person", 1).status == "retired"
    assert read_manifest(data, registry.resolve("person", 1))["contract"]["status"] == "retired"
    assert read_manifest(data, registry.resolve("person", 2))["contract"]["status"] == "active"

    # 6. the audit trail: who did what, once each
    trail = [(e.actor, e.action, e.contract, e.version, e.detail) for e in events(store_for(data), "person")]
    assert trail == [("op-token-7", "proposed", "person", "2.0.0", ""),
                     ("op-token-7", "published", "person", "2.0.0", ""),
                     ("op-token-7", "deprecated", "person", "1.0.0", "sunset 2027-01-31"),
                     ("op-token-7", "retired", "person", "1.0.0", "")]


def test_the_feeds_active_major_check_follows_the_lifecycle(tmp_path, monkeypatch):
    """What Dagster's ``feeds_active_major_<agency>`` checks say of person v1 before, during and after 2.0.0."""
    import dagster as dg

    from accord.governance.lifecycle import publish, retire
    from accord.intake.store import SubmissionStore
    from pipelines.checks import feeds_active

    contracts = shutil.copytree(ROOT / "contracts", tmp_path / "contracts")
    store = SubmissionStore.sqlite(tmp_path / "records.sqlite")
    assert feeds_active(ContractRegistry.load(contracts), "person", 1) == (
        True, dg.AssetCheckSeverity.WARN, "person v1.0.0 is the newest active major")
    publish(contracts, "person", "2.0.0", store, "op", sunset="2027-01-31")
    monkeypatch.setenv("ACCORD_TODAY", "2027-01-30")
    assert feeds_active(ContractRegistry.load(contracts), "person", 1) == (
        False, dg.AssetCheckSeverity.WARN,
        "person v1.0.0 is deprecated, produced until its sunset (2027-01-31); migrate to person v2")
    monkeypatch.setenv("ACCORD_TODAY", "2027-01-31")
    assert feeds_active(ContractRegistry.load(contracts), "person", 1)[:2] == (False, dg.AssetCheckSeverity.ERROR)
    retire(contracts, "person", 1, store, "op")
    assert feeds_active(ContractRegistry.load(contracts), "person", 1) == (
        False, dg.AssetCheckSeverity.ERROR, "person v1.0.0 is retired: no longer produced")
    assert feeds_active(ContractRegistry.load(contracts), "person", 2)[0] is True
