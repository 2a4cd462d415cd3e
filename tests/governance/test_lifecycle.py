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
from accord.mapping.loader import scan_mappings
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


def _fill_draft(project, cli, common) -> None:
    """rrn migrates: ``mapping upgrade --write`` leaves person.yaml as it is and drafts the v2 target beside it,
    with its one TODO (updated_at); the agency fills it, lints the draft and puts it in place."""
    mapping_file = project / "mappings" / "rrn" / "person.yaml"
    before = mapping_file.read_text("utf-8")
    upgraded = cli.invoke(app, ["mapping", "upgrade", str(mapping_file), "--to-contract", "person/2", "--write",
                                *common])
    said = " ".join(upgraded.output.split())
    assert upgraded.exit_code == 1, said
    assert f"{mapping_file} is unchanged: the migration to person v2.0.0 has 1 TODO(s) and 1 lint error(s)" in said
    assert "TODO: updated_at: required by person v2.0.0; no entry of the old mapping gives it" in said
    assert mapping_file.read_text("utf-8") == before  # the pipeline still reads the working mapping
    draft = project / "mappings" / "rrn" / "person.yaml.draft"
    lint = cli.invoke(app, ["mapping", "lint", str(draft), *common])
    assert lint.exit_code == 1 and "required contract fields not produced: updated_at" in lint.output, lint.output
    document = yaml.safe_load(draft.read_text("utf-8"))
    assert [(t["contract"], t["contract_version"]) for t in document["targets"]] == [("person", 1), ("person", 2)]
    assert document["targets"][1]["fields"]["gender"] == document["targets"][0]["fields"]["sex"]
    document["targets"][1]["fields"]["updated_at"] = {"constant": "2026-12-31T12:00:00+00:00"}
    draft.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    lint = cli.invoke(app, ["mapping", "lint", str(draft), *common])
    assert lint.exit_code == 0, lint.output  # no overlap with the person.yaml it replaces
    draft.rename(mapping_file)


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
    assert _run(project, data, pseudonym_key, "nho") == {"person/v1": (10, 6)}

    # 1. the proposal's impact (exact figures: tests/governance/test_impact.py)
    proposed = cli.invoke(app, ["contract", "propose", str(project / "contracts/person/2.0.0.yaml"), *common])
    assert proposed.exit_code == 1 and "rrn: affected" in proposed.output
    again = cli.invoke(app, ["contract", "propose", str(project / "contracts/person/2.0.0.yaml"), *common])
    assert again.exit_code == 1  # measured again: the saved report is replaced, the trail says "proposed" once

    # 2. publishing with a sunset that costs agencies records asks first, and shows what it accepts
    refused = cli.invoke(app, ["contract", "publish", "person", "2.0.0", "--sunset", "2027-01-31", *common],
                         input="n\n")
    said = " ".join(refused.output.split())
    assert refused.exit_code == 1 and "not published" in said, said
    assert "nho: 6 of its 6 published record(s) in its latest extract(s) would be quarantined; required fields it " \
           "does not fill: updated_at" in said
    assert ContractRegistry.load(project / "contracts").resolve("person", 2).status == "proposed"
    published = cli.invoke(app, ["contract", "publish", "person", "2.0.0", "--sunset", "2027-01-31", *common],
                           input="y\n")
    assert published.exit_code == 0, published.output
    assert published.output.split("\n")[-3:-1] == ["person 2.0.0: published", "person 1.0.0: deprecated"]
    again = cli.invoke(app, ["contract", "publish", "person", "2.0.0", "--sunset", "2027-01-31", "--yes", *common])
    assert again.output.split("\n")[-3:-1] == ["person 2.0.0: published (already)",
                                               "person 1.0.0: deprecated (already)"]
    registry = ContractRegistry.load(project / "contracts")
    v1, v2 = registry.resolve("person", 1), registry.resolve("person", 2)
    assert (v1.status, v1.sunset, v2.status) == ("deprecated", "2027-01-31", "active")
    view = cli.invoke(app, ["contract", "changes", "--agency", "rrn", *common])
    assert " ".join(view.output.split()) == (
        "rrn feeds benefit_payment v1.0.0, person v1.0.0 person 2.0.0 (active, deadline 2027-01-31): to migrate: 3 "
        "of its 3 published record(s) in its latest file would be quarantined, unfilled: updated_at")
    assert "# Shared contract: a person known to a public agency." in v1.file.read_text()  # comments kept

    # 3. rrn migrates through a draft; the views follow its mapping as it is now
    _fill_draft(project, cli, common)
    found = contract_changes(registry, load_mappings(project / "mappings", registry), data)
    assert [(c.impact["agency"], c.feeds, c.version, c.migrated, c.unfilled) for c in found] == [
        ("cba", "1.0.0", "2.0.0", False, ["updated_at"]), ("msa", "1.0.0", "2.0.0", False, ["updated_at"]),
        ("nho", "1.0.0", "2.0.0", False, ["updated_at"]), ("rrn", "1.0.0", "2.0.0", True, [])]
    view = cli.invoke(app, ["contract", "changes", "--agency", "rrn", *common])
    assert " ".join(view.output.split()) == (
        "rrn feeds benefit_payment v1.0.0, person v1.0.0, person v2.0.0 person 2.0.0 (active, deadline 2027-01-31): "
        "migrated: its mapping feeds person v2.0.0")

    # 4. a new major starts full: rrn's archived person files processed onto v2 (and again: nothing added)
    filled = cli.invoke(app, ["contract", "backfill", "person", "--major", "2", *common])
    assert filled.exit_code == 0, filled.output
    assert " ".join(filled.output.split()) == (
        "rrn: 2 extract(s) added, 0 already there, 2 processed: 15 row(s) in, 11 published, 4 quarantined, "
        "0 filtered")
    v1_rrn = accord.read("person", 1, data_dir=data.root, project_dir=project).filter(pl.col("_agency") == "rrn")
    v2_rrn = accord.read("person", 2, data_dir=data.root, project_dir=project).filter(pl.col("_agency") == "rrn")
    # the same population, less the one person v2 rejects: RRN-0011 sends no language, which v2 requires
    assert set(v1_rrn.collect()["person_id"]) - set(v2_rrn.collect()["person_id"]) == {"RRN-0011"}
    assert v2_rrn.collect().height == 9 and v1_rrn.collect().height == 10  # 11 records, RRN-0002 and 0010 twice
    again = cli.invoke(app, ["contract", "backfill", "person", "--major", "2", *common])
    assert " ".join(again.output.split()).startswith("rrn: 0 extract(s) added, 2 already there, 0 processed")

    # 5. side by side: January's file feeds both majors
    monkeypatch.setenv("ACCORD_TODAY", "2027-01-15")
    (data.landing / "rrn" / "personnes_2027-01.csv").write_bytes(RRN_JANUARY.encode("cp1252"))
    assert _run(project, data, pseudonym_key, "rrn") == {"person/v1": (2, 2), "person/v2": (2, 2)}
    both_v1 = accord.read("person", 1, data_dir=data.root, project_dir=project).collect()
    as_v2 = accord.read("person", 2, data_dir=data.root, project_dir=project).collect()
    assert {"RRN-0201", "RRN-0202"} <= set(both_v1["person_id"]) and "sex" in both_v1.columns
    # one record per person: RRN-0201 carries RRN-0001's SIN, so the two are one person (docs/identity.md)
    assert as_v2.height == 10 and "gender" in as_v2.columns
    assert as_v2.filter(pl.col("person_id") == "RRN-0202")["gender"].to_list() == ["F"]

    # 6. after the sunset, person v1 is no longer produced: nho, which did not migrate, is refused by name
    monkeypatch.setenv("ACCORD_TODAY", "2027-02-01")
    (data.landing / "rrn" / "personnes_2027-02.csv").write_bytes(
        RRN_JANUARY.replace("RRN-0201", "RRN-0301").replace("RRN-0202", "RRN-0302").encode("cp1252"))
    assert _run(project, data, pseudonym_key, "rrn") == {"person/v2": (2, 2)}
    sample = ROOT / "samples" / "landing" / "nho" / "clients_2026-11.xlsx"
    shutil.copy(sample, data.landing / "nho" / "clients_2027-02.xlsx")
    registry = ContractRegistry.load(project / "contracts")
    scan = scan_mappings(project / "mappings", registry)
    pickup = Intake(data, scan.mappings, broken=scan.problems, ended=scan.held).pickup("nho")
    [refused] = pickup.refused
    assert (refused.reason, refused.detail.split(", and")[0]) == (
        "contract-ended", "person v1.0.0 is no longer produced since its sunset (2027-01-31)")
    assert "nho/person.yaml that reads 'clients_2027-02.xlsx' has no target of a version produced today" in \
        refused.detail
    view = cli.invoke(app, ["contract", "changes", "--agency", "nho", *common])
    assert " ".join(view.output.split()) == (
        "nho feeds nothing produced today; person/v1 ENDED: person v1.0.0 is no longer produced since its sunset "
        "(2027-01-31); its files are refused until the mapping migrates person 2.0.0 (active, deadline "
        "2027-01-31): to migrate: 6 of its 6 published record(s) in its latest file would be quarantined, "
        "unfilled: updated_at")
    retired = cli.invoke(app, ["contract", "retire", "person", "1", *common])
    assert retired.exit_code == 0 and "person 1.0.0: retired" in retired.output, retired.output
    v1_after = accord.read("person", 1, data_dir=data.root, project_dir=project).collect()
    assert v1_after.height == both_v1.height and "RRN-0301" not in set(v1_after["person_id"])
    assert "RRN-0301" in set(accord.read("person", 2, data_dir=data.root, project_dir=project).collect()["person_id"])
    registry = ContractRegistry.load(project / "contracts")
    assert registry.resolve("person", 1).status == "retired"
    assert read_manifest(data, registry.resolve("person", 1))["contract"]["status"] == "retired"
    assert read_manifest(data, registry.resolve("person", 2))["contract"]["status"] == "active"

    # 7. the audit trail: who did what, once each, the publication with the impact it accepted
    trail = [(e.actor, e.action, e.contract, e.version, e.detail) for e in events(store_for(data), "person")]
    assert [t[:4] for t in trail] == [("op-token-7", "proposed", "person", "2.0.0"),
                                      ("op-token-7", "published", "person", "2.0.0"),
                                      ("op-token-7", "deprecated", "person", "1.0.0"),
                                      ("op-token-7", "retired", "person", "1.0.0")]
    assert trail[2][4] == "sunset 2027-01-31" and trail[0][4] == trail[3][4] == ""
    assert trail[1][4].startswith("impact measured 20") and "; rrn: 3 of its 3 published record(s)" in trail[1][4]


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
