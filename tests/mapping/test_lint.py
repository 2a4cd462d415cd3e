"""Mapping lint: each mistake class reported at its own line and column, with a hint."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from accord.cli import app
from accord.mapping.lint import lint_mapping
from tests.helpers import ROOT

GOOD = (ROOT / "mappings" / "rrn" / "person.yaml").read_text(encoding="utf-8")


def _lint(tmp_path: Path, text: str, registry):
    file = tmp_path / "rrn" / "person.yaml"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    return [
        (f.path, f.message, f.hint, lines[f.line - 1][f.column - 1 :].split(":")[0] if f.line else None)
        for f in lint_mapping(file, registry)
    ]


def test_shipped_mappings_lint_clean(registry):
    for file in sorted((ROOT / "mappings").glob("*/*.yaml")):
        assert lint_mapping(file, registry) == [], file


def test_every_mistake_is_reported_at_its_place(tmp_path, registry):
    text = (
        GOOD.replace("    case: upper\n", "    cas: upper\n", 1)
        .replace("  sin:\n    from: NAS\n", "  sim:\n    from: NAS\n")
        .replace("  family_name:\n    from: NOM\n", "")
        .replace("map: {H: M, F: F, X: X}", "map: {H: Male, F: F, X: X}")
        .replace('      formats: ["%d/%m/%Y"]', '      formats: ["%d/%m/%Y"]\n      day_first: false')
        .replace(
            "  province:\n    from: PROV\n    case: upper\n",
            "  province:\n    from: PROV\n    number: {decimal: ','}\n",
        )
    )
    assert _lint(tmp_path, text, registry) == [
        ("fields.postal_code.cas", "unknown key 'cas'", "did you mean 'case'?", "cas"),
        ("fields.sim", "'sim' is not a field of contract person v1.0.0", "did you mean 'sin'?", "sim"),
        ("fields.birth_date.date.formats[0]", "format '%d/%m/%Y' contradicts day_first: false", "", '"%d/%m/%Y"]'),
        ("fields.sex.codes.map.H", "'Male' is not a code of contract field 'sex'", "allowed: M, F, X", "H"),
        (
            "fields.province.number",
            "'number' cannot produce the string field 'province'",
            "'number' produces number or integer",
            "number",
        ),
        (
            "fields",
            "required contract fields not produced: family_name",
            "add an entry under 'fields' for each (from, constant, ...)",
            "fields",
        ),
    ]


def test_constant_outside_the_code_list_and_bad_regex(tmp_path, registry):
    text = GOOD.replace(
        "  sex:\n    from: SEXE\n    codes:\n      map: {H: M, F: F, X: X}\n      unmapped: quarantine\n",
        "  sex:\n    constant: W\n",
    ).replace(
        "  postal_code:\n    from: CODE_POSTAL\n",
        "  postal_code:\n    from: CODE_POSTAL\n    regex_replace: [{pattern: '[A-Z'}]\n",
    )
    found = _lint(tmp_path, text, registry)
    assert found[0][:3] == (
        "fields.sex.constant",
        "constant 'W' is not a code of contract field 'sex'",
        "allowed: M, F, X",
    )
    assert found[1][0] == "fields.postal_code.regex_replace[0].pattern"
    assert found[1][1].startswith("regular expression does not compile")
    assert len(found) == 2


def test_unknown_contract_version_and_typo_at_top_level(tmp_path, registry):
    text = GOOD.replace("contract_version: 1", "contract_version: 7").replace("source:", "sourse:")
    found = _lint(tmp_path, text, registry)
    assert [(f[0], f[1], f[2]) for f in found] == [
        ("source", "Field required", ""),
        ("sourse", "unknown key 'sourse'", "did you mean 'source'?"),
    ]


def test_cli_exit_codes(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["mapping", "lint", str(ROOT / "mappings"), "--project-dir", str(ROOT)])
    assert ok.exit_code == 0 and "6 mapping(s) checked, 0 with errors" in ok.output
    bad = tmp_path / "rrn" / "person.yaml"
    bad.parent.mkdir()
    bad.write_text(GOOD.replace("    case: upper\n", "    cas: upper\n", 1), encoding="utf-8")
    result = runner.invoke(app, ["mapping", "lint", str(bad), "--project-dir", str(ROOT)])
    assert result.exit_code == 1
    assert f"{bad}:33:5: error: fields.postal_code.cas: unknown key 'cas' (hint: did you mean 'case'?)" in result.output


def test_code_files_are_followed_as_accord_check_follows_them(tmp_path, registry):
    """A code file that is a link out of the mapping's folder is a lint error, as it is for the loader (and so
    for ``accord check``); a code file's codes are checked against the contract like an inline map."""
    outside = tmp_path / "secret.csv"
    outside.write_text("from,to\nH,M\n", encoding="utf-8")
    folder = tmp_path / "rrn"
    folder.mkdir()
    (folder / "sexes.csv").symlink_to(outside)
    text = GOOD.replace("map: {H: M, F: F, X: X}", "file: sexes.csv")
    assert "file: sexes.csv" in text
    [(path, message, _, at)] = _lint(tmp_path, text, registry)
    assert (path, message, at) == ("fields.sex.codes.file", "code file 'sexes.csv' is outside the mapping's folder",
                                   "file")
    (folder / "sexes.csv").unlink()
    (folder / "sexes.csv").write_text("from,to\nH,Male\nF,F\n", encoding="utf-8")
    assert _lint(tmp_path, text, registry) == [
        ("fields.sex.codes.file", "'Male' is not a code of contract field 'sex'", "allowed: M, F, X", "file")]
