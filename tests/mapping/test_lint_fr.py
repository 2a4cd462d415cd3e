"""Mapping lint in French: every finding the lint gives on a file full of mistakes has its French form."""

from __future__ import annotations

import textwrap

from typer.testing import CliRunner

from accord.cli import app
from accord.mapping.lint import lint_mapping
from accord.mapping.lint_fr import french, has_french, in_language
from accord.mapping.sample_lint import sample_findings
from tests.conftest import ROOT, SAMPLES

BROKEN = """\
    mapping_version: 2
    agency: rrn
    source: {pattern: "personnes_*.csv", format: csv, encoding: cp1252, delimiter: ";"}
    targets:
      - contract: person
        contract_version: 1
        fields:
          person_id: {from: NO_DOSIER}
          family_name: {from: NOM, steps: [{case: upper}, {date: {formats: ["%Y-%m-%d"]}}, trim]}
          given_name: {from: PRENOM, steps: [{regex_replace: {pattern: "(?=x)"}}]}
          birth_date: {from: DATE_NAISS, steps: [{date: {formats: ["%d/%m/%Y"], day_first: false}}]}
          sex: {from: SEXE, steps: [{codes: {map: {H: MALE}}}]}
          province: {constant: QX}
          nickname: {from: SURNOM}
          postal_code: {from: CODE_POSTAL, steps: [{codes: {map: {}}}]}
          preferred_language: {from: LANGUE, steps: [{codes: {map: {EN: en}, unmapped: nothing}}]}
    """


def test_every_finding_on_a_broken_mapping_has_a_french_form(tmp_path, registry):
    folder = tmp_path / "rrn"
    folder.mkdir()
    file = folder / "person.yaml"
    file.write_text(textwrap.dedent(BROKEN), encoding="utf-8")
    findings = lint_mapping(file, registry)
    assert len(findings) >= 8
    untranslated = [t for f in findings for t in (f.message, f.hint) if t and not has_french(t)]
    assert untranslated == []
    shown = [in_language(f, "fr").describe("fr").split(": ", 1)[1] for f in findings]
    assert "erreur: targets[0].fields.nickname: « nickname » n'est pas un champ du contrat person v1.0.0 (conseil : " \
           "vouliez-vous dire « given_name » ?)" in shown or any("« nickname » n'est pas un champ" in s for s in shown)
    assert any(s.endswith("« MALE » n'est pas un code du champ « sex » du contrat (conseil : permis : M, F, X)")
               for s in shown), shown


def test_lint_with_a_sample_in_french(tmp_path, registry):
    text = (ROOT / "mappings" / "rrn" / "person.yaml").read_text().replace("from: DATE_NAISS", "from: DATE_NAIS")
    (tmp_path / "rrn").mkdir()
    file = tmp_path / "rrn" / "person.yaml"
    file.write_text(text, encoding="utf-8")
    [finding] = sample_findings(file, registry, SAMPLES / "rrn" / "personnes_2026-11.csv")
    assert in_language(finding, "fr").describe("fr").split(": ", 1)[1] == (
        "erreur: fields.birth_date.from: la colonne « DATE_NAIS » n'est pas dans l'échantillon "
        "personnes_2026-11.csv (conseil : vouliez-vous dire « DATE_NAISS » ?)")
    assert french("codes of the sample that the map of 'sex' does not list: 'Z' (1 row), 'Q' (3 rows)") == (
        "codes de l'échantillon absents de la table de « sex » : 'Z' (1 ligne), 'Q' (3 lignes)")


def test_cli_lint_in_french():
    result = CliRunner().invoke(app, ["mapping", "lint", str(ROOT / "mappings"), "--lang", "fr",
                                      "--project-dir", str(ROOT)])
    assert result.exit_code == 0 and "6 mapping(s) vérifié(s), 0 avec erreurs" in result.output
