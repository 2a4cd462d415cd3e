"""Contract governance, impact before adoption: person 2.0.0 (proposed) measured on the four agencies' sample
extracts as archived by a real run, through their own mappings, before anything is adopted."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from accord.agency import run_agency
from accord.cli import app
from accord.contracts import load_contract
from accord.governance.impact import measure_impact
from tests.conftest import ROOT


@pytest.fixture
def archived(data, mappings):
    """The samples' person extracts processed (and so archived) against person 1.0.0."""
    for name in ("rrn/person", "nho/person", "cba/person", "msa/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    return data


def test_person_2_costs_every_agency_its_published_records(archived, registry):
    """2.0.0 renames sex to gender (followed), requires preferred_language and adds a required updated_at that
    no agency sends: every record published today would be quarantined (counts checked against the samples:
    cba publishes 8 of its 11 people, msa 4 of 6, nho 6 of 10, rrn's December file 3 of 3)."""
    proposed = load_contract(ROOT / "contracts" / "person" / "2.0.0.yaml")
    report = measure_impact(proposed, registry, ROOT / "mappings", archived)
    assert report.impacted and [c.kind for c in report.diff.changes][:3] == [
        "field-renamed", "required-field-added", "field-made-required"]
    seen = {}
    for agency in report.agencies:
        [extract] = agency.extracts
        assert agency.renamed == {"sex": "gender"} and agency.unfilled == ["updated_at"]
        seen[agency.agency] = (
            [(f.line, f.message) for f in agency.findings], extract.file_name,
            (extract.rows_in, extract.published_before, extract.published_after, extract.to_quarantine,
             extract.to_published),
            [(m.rule, m.column, m.records) for m in extract.why], extract.removed_codes)
    lint = [("'sex' is not a field of contract person v2.0.0"),
            ("required contract fields not produced: gender, updated_at")]
    assert seen == {
        "cba": ([(23, lint[0]), (10, lint[1])], "people_2026-11.ndjson", (11, 8, 0, 8, 0),
                [("required", "updated_at", 8), ("required", "preferred_language", 1)], {}),
        "msa": ([(25, lint[0]), (17, lint[1])], "dossiers_2026-11.zip", (6, 4, 0, 4, 0),
                [("required", "updated_at", 4)], {}),
        "nho": ([(28, lint[0]), (13, lint[1])], "clients_2026-11.xlsx", (10, 6, 0, 6, 0),
                [("required", "updated_at", 6)], {}),
        "rrn": ([(26, lint[0]), (13, lint[1])], "personnes_2026-12.csv", (3, 3, 0, 3, 0),
                [("required", "updated_at", 3)], {}),
    }
    cba = next(a for a in report.agencies if a.agency == "cba")
    assert cba.extracts[0].why[1].examples == [{"source_row": 5, "value": "ES"}]  # cba maps ES to no language


def test_a_compatible_proposal_costs_nothing_and_codes_it_removes_are_counted(archived, registry, tmp_path):
    import yaml

    from tests.helpers import person_contract_data, write_contract

    data = person_contract_data(identity=True)
    data["version"] = "1.1.0"
    props = {p["name"]: p for p in data["schema"][0]["properties"]}
    props["preferred_language"]["description"] = "The language the person prefers."
    same = load_contract(write_contract(tmp_path / "same", data))
    report = measure_impact(same, registry, ROOT / "mappings", archived)
    assert not report.impacted and all(e.to_quarantine == 0 for a in report.agencies for e in a.extracts)
    props["sex"]["enum"] = [e for e in props["sex"]["enum"] if e["value"] != "F"]  # F no longer allowed
    fewer = load_contract(write_contract(tmp_path / "fewer", yaml.safe_load(yaml.safe_dump(data))))
    report = measure_impact(fewer, registry, ROOT / "mappings", archived)
    rrn = next(a for a in report.agencies if a.agency == "rrn")
    [extract] = rrn.extracts
    assert extract.removed_codes == {"sex": ["F"]}
    assert [(m.rule, m.column) for m in extract.why] == [("enum", "sex")]
    assert extract.to_quarantine == next(m.records for m in extract.why) > 0


def test_the_cli_writes_the_report_in_both_languages_and_exits_1(archived, tmp_path, monkeypatch):
    monkeypatch.setenv("ACCORD_DATA_DIR", str(archived.root))
    result = CliRunner().invoke(app, ["contract", "propose", str(ROOT / "contracts" / "person" / "2.0.0.yaml"),
                                      "--project-dir", str(ROOT), "--report", str(tmp_path / "impact")])
    assert result.exit_code == 1, result.output
    page = (tmp_path / "impact" / "impact.fr.html").read_text("utf-8")
    assert "Impact de person 2.0.0" in page and "4 organisme(s) sur 4 touché(s)." in page
    assert "« sex » n&#39;est pas un champ du contrat person v2.0.0" in page
    assert "<td>valeur obligatoire (required)</td><td>updated_at</td><td>8</td>" in page
    assert "mappings/cba/person.yaml" in page
    payload = json.loads((tmp_path / "impact" / "impact.json").read_text("utf-8"))
    assert payload["impacted"] is True and len(payload["agencies"]) == 4
    assert "rrn: affected: 2 lint finding(s), unfilled required: updated_at, 3 record(s) to quarantine, 0 back to " \
        "published" in " ".join(result.output.split())
