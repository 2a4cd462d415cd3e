"""``accord mapping suggest`` on the three agencies' sample extracts, with their mapping files hidden:
how many hand-written field mappings the draft reproduces (same values and same errors on the sample)."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from accord.cli import app
from accord.mapping.suggest import agreement, draft_findings, suggest_mapping
from tests.conftest import ROOT, SAMPLES

runner = CliRunner()

EXPECTED = {  # mapping -> (extract, fields reproduced, fields missed)
    "rrn/person": ("personnes_2026-11.csv", 9, []),
    "nho/person": ("clients_2026-11.xlsx", 9, []),
    "cba/person": ("people_2026-11.ndjson", 8, ["preferred_language"]),  # ES -> null is a policy, not data
    "rrn/benefit_payment": ("paiements_2026-11.csv", 7, []),
    "cba/benefit_payment": ("payments_2026-11.csv", 7, []),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_suggestion_reproduces_the_hand_written_mapping(name, mappings, registry):
    mapping = mappings[name]
    extract, reproduced, missed = EXPECTED[name]
    text, _ = suggest_mapping(SAMPLES / mapping.agency / extract, mapping.contract, mapping.agency)
    fields = agreement(text, mapping, SAMPLES / mapping.agency / extract)
    assert sum(fields.values()) == reproduced
    assert [n for n, ok in fields.items() if not ok] == missed
    assert sum(fields.values()) / len(fields) >= 0.8
    assert draft_findings(text, registry, mapping.agency, mapping.contract) == []


def test_draft_details(person):
    text, choices = suggest_mapping(SAMPLES / "rrn" / "personnes_2026-11.csv", person, "rrn")
    draft = yaml.safe_load(text)
    assert draft["source"] == {"pattern": "personnes_*.csv", "format": "csv", "encoding": "cp1252",
                               "delimiter": ";", "null_tokens": ["", "N/D"]}
    assert draft["fields"]["birth_date"] == {"from": "DATE_NAISS", "date": {"formats": ["%d/%m/%Y"]}}
    assert draft["fields"]["sex"]["codes"]["map"] == {"F": "F", "H": "M", "X": "X"}
    assert draft["fields"]["preferred_language"]["codes"]["map"] == {"Anglais": "en", "Français": "fr"}
    sex = next(c for c in choices if c.name == "sex")
    assert sex.confidence == "low" and "TODO: no contract code found for Z (codes: M, F, X)" in sex.notes


def test_cli_prints_draft_and_lint_status(tmp_path):
    result = CliRunner().invoke(app, ["mapping", "suggest", str(SAMPLES / "cba" / "payments_2026-11.csv"),
                                      "--contract", "benefit_payment", "--project-dir", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert "agency: cba" in result.output and "  currency:  # confidence: high; the contract allows a single code" \
        in result.output
    assert "# lint: 0 problem(s); 0 TODO(s) to review" in result.output
    out = tmp_path / "draft.yaml"
    CliRunner().invoke(app, ["mapping", "suggest", str(SAMPLES / "nho" / "clients_2026-11.xlsx"), "--contract",
                             "person", "--version", "1", "--out", str(out), "--project-dir", str(ROOT)])
    assert yaml.safe_load(out.read_text())["fields"]["given_name"] == {
        "concat": {"columns": ["First Name", "Middle Name"], "separator": " "}}


def test_a_backtracking_pattern_cannot_stall_suggest(tmp_path, person):
    """The contract's pattern runs in the linear engine: Python's ``re`` took 42 s here on a 33-character value."""
    import dataclasses
    import time

    fields = tuple(dataclasses.replace(f, pattern="^([A-Z]+)+$") if f.name == "postal_code" else f
                   for f in person.fields)
    contract = dataclasses.replace(person, fields=fields)
    extract = tmp_path / "x.csv"
    extract.write_text("code postal\n" + "\n".join(["a" * 32 + "!"] * 20) + "\n")
    started = time.perf_counter()
    suggest_mapping(extract, contract, "rrn")
    assert time.perf_counter() - started < 5


def test_a_new_extract_with_english_headers_and_spelled_out_codes(registry):
    from accord.mapping import load_mappings

    fixture = ROOT / "tests" / "fixtures" / "suggest"
    [hand] = load_mappings(fixture / "mappings", registry)
    extract = fixture / "clients_2026-11.csv"
    text, _ = suggest_mapping(extract, hand.contract, "ocs")
    fields = agreement(text, hand, extract)
    assert [n for n, ok in fields.items() if not ok] == [] and len(fields) == 9
    assert yaml.safe_load(text)["fields"]["province"]["codes"]["map"] == {
        "Alberta": "AB", "British Columbia": "BC", "Manitoba": "MB", "Nova Scotia": "NS", "Ontario": "ON",
        "Quebec": "QC"}


def test_french_labels_with_hyphens_and_accents_find_their_codes(person, tmp_path):
    extract = tmp_path / "gens.csv"
    extract.write_text("DOSSIER;PROVINCE\n1;Nouvelle-Écosse\n2;Île-du-Prince-Édouard\n3;terre-neuve-et-labrador\n",
                       encoding="utf-8")
    text, _ = suggest_mapping(extract, person, "msa")
    assert yaml.safe_load(text)["fields"]["province"]["codes"]["map"] == {
        "Nouvelle-Écosse": "NS", "terre-neuve-et-labrador": "NL", "Île-du-Prince-Édouard": "PE"}


def test_timestamps_get_a_date_and_time_format():
    from accord.mapping.suggest import guess_date_format

    formats, _, note = guess_date_format(["2026-01-01T10:00:00Z", "2026-02-01T11:30:00+01:00"], timestamp=True)
    assert formats == ["%Y-%m-%dT%H:%M:%S%z"] and note == "2 of 2 sample values read as %Y-%m-%dT%H:%M:%S%z"
    assert guess_date_format(["2026-01-01 10:00", "2026-02-01 11:30"], timestamp=True)[0] == ["%Y-%m-%d %H:%M"]


def test_default_version_and_agency(registry, tmp_path):
    from accord.mapping.suggest import default_major

    assert default_major(registry, ROOT / "mappings", "person") == 1  # the agencies' version; 2.0.0 is proposed
    assert default_major(registry, tmp_path / "none", "person") == 1  # the newest active one
    folder = tmp_path / "Downloads"
    folder.mkdir()
    extract = folder / "personnes.csv"
    extract.write_bytes((SAMPLES / "rrn" / "personnes_2026-11.csv").read_bytes())
    result = runner.invoke(app, ["mapping", "suggest", str(extract), "--contract", "person",
                                 "--project-dir", str(ROOT)])
    assert result.exit_code == 2
    assert "give --agency: the extract's folder 'Downloads' is not an agency of" in result.output


def test_a_draft_that_fails_on_most_rows_is_not_done(person):
    from accord.mapping.suggest import failing_fields

    text, _ = suggest_mapping(SAMPLES / "rrn" / "personnes_2026-11.csv", person, "rrn")
    assert failing_fields(text, person, SAMPLES / "rrn" / "personnes_2026-11.csv") == {}
    wrong = text.replace("'%d/%m/%Y'", "'%Y-%m-%d'").replace('"%d/%m/%Y"', '"%Y-%m-%d"').replace(
        "[%d/%m/%Y]", "[%Y-%m-%d]")
    assert wrong != text
    assert failing_fields(wrong, person, SAMPLES / "rrn" / "personnes_2026-11.csv") == {"birth_date": (12, 12)}


def test_a_sample_that_cannot_be_read_is_an_answer_not_a_crash(tmp_path):
    broken = tmp_path / "clients.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    result = CliRunner().invoke(app, ["mapping", "suggest", str(broken), "--contract", "person", "--agency", "nho",
                                      "--project-dir", str(ROOT)])
    assert result.exit_code == 2, result.output
    assert f"{broken}: the workbook cannot be read (ZipError:" in result.output


def test_suggest_on_a_zip_delivery_drafts_a_delivery_mapping(tmp_path, registry):
    """msa's zip: each contract drafted from the file of the zip that fits it; the draft loads as a delivery."""
    from accord.mapping.loader import as_specs

    result = runner.invoke(app, ["mapping", "suggest", str(SAMPLES / "msa" / "dossiers_2026-11.zip"),
                                 "--contract", "person,benefit_payment", "--agency", "msa", "--project-dir", str(ROOT)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    draft = yaml.safe_load(text)
    assert draft["delivery"]["pattern"] == "dossiers_*.zip"
    assert {k: v["pattern"] for k, v in draft["delivery"]["files"].items()} == {
        "personnes": "personnes.csv", "versements": "versements.csv"}
    assert [(t["contract"], t["file"]) for t in draft["targets"]] == [("person", "personnes"),
                                                                       ("benefit_payment", "versements")]
    assert draft["targets"][0]["fields"]["birth_date"] == {"from": "NAISSANCE",
                                                           "steps": [{"date": {"formats": ["%d/%m/%Y"]}}]}
    assert "# person: drafted from personnes.csv (8 of 9 fields found)" in text
    # the payments miss payment_id, amount and status (cells like 01=250,00|15=250,00 need an explode)
    assert "required contract fields not produced: payment_id, amount, status" in text
    draft["targets"][1]["fields"].update(payment_id={"from": "DOSSIER"}, amount={"constant": 1},
                                         status={"constant": "PAID"})
    assert [s.file for s in as_specs(draft)] == ["personnes", "versements"]
