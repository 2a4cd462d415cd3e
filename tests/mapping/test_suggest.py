"""``accord mapping suggest`` on the three agencies' sample extracts, with their mapping files hidden:
how many hand-written field mappings the draft reproduces (same values and same errors on the sample)."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from accord.cli import app
from accord.mapping.suggest import agreement, draft_findings, suggest_mapping
from tests.conftest import ROOT, SAMPLES

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
