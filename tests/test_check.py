"""``accord check``: the three report files on each sample extract, exit codes, both languages, and
values made inert for spreadsheets and browsers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import polars as pl
import pytest
from typer.testing import CliRunner

from accord.cli import app
from tests.conftest import ROOT, SAMPLES

runner = CliRunner()
SAMPLE_CHECKS = [  # agency, contract, file, exit code, rows in, valid, quarantined
    ("rrn", "person", "personnes_2026-11.csv", 1, 12, 9, 3),
    ("rrn", "person", "personnes_2026-12.csv", 0, 3, 3, 0),
    ("rrn", "benefit_payment", "paiements_2026-11.csv", 1, 10, 8, 2),
    ("nho", "person", "clients_2026-11.xlsx", 1, 10, 6, 4),
    ("cba", "person", "people_2026-11.ndjson", 1, 11, 8, 3),
    ("cba", "benefit_payment", "payments_2026-11.csv", 1, 8, 6, 2),
]


def _check(*args: str):
    return runner.invoke(app, ["check", *args, "--project-dir", str(ROOT)])


@pytest.mark.parametrize(("agency", "contract", "name", "code", "rows", "valid", "quarantined"), SAMPLE_CHECKS)
def test_reports_on_each_sample(tmp_path, agency, contract, name, code, rows, valid, quarantined):
    result = _check(str(SAMPLES / agency / name), "--agency", agency, "--contract", contract,
                    "--report", str(tmp_path), "--quiet")
    assert result.exit_code == code, result.output
    assert result.output == ""
    report = json.loads((tmp_path / "report.json").read_text())
    assert (report["rows_in"], report["rows_published"], report["rows_quarantined"]) == (rows, valid, quarantined)
    errors = pl.read_csv(tmp_path / "errors.csv", infer_schema=False)
    assert errors.height == len(report["errors"])
    malformed = errors.filter(pl.col("rule") == "malformed-record").height
    assert errors.filter(pl.col("rule") != "malformed-record")["source_row"].n_unique() + malformed == quarantined
    html, html_fr = (tmp_path / "report.html").read_text(), (tmp_path / "report.fr.html").read_text()
    assert f'<section class="banner {report["status"]}"' in html and '<html lang="en">' in html
    french = "toutes valides" if code == 0 else f"{quarantined} seraient mises en quarantaine"
    assert french in html_fr and french not in html and '<html lang="fr">' in html_fr
    # each problem is shown once, in its group's rows (the first three of a group also as its examples)
    groups = {(e["column"], e["rule"]) for e in report["errors"]}
    assert html.count('<section class="group"') == len(groups)
    assert html.count("<tr><td>") >= len(report["errors"])
    # dataset rules are in the report without Great Expectations; Data Docs only with --data-docs
    assert report["dataset_rules"] and all(o["success"] for o in report["dataset_rules"])
    assert not (tmp_path / "data_docs").exists()
    # the problem groups in one order every time (a group-by has none of its own)
    ordered = [tuple((g[k] is None, g[k] or "") for k in ("column", "source_column", "rule"))  # nulls last
               for g in report["group_counts"]]
    assert ordered == sorted(ordered) and sum(g["count"] for g in report["group_counts"]) == errors.height


def test_terminal_output_in_french_and_english():
    file = str(SAMPLES / "rrn" / "paiements_2026-11.csv")
    fr = _check(file, "--agency", "rrn", "--contract", "benefit_payment", "--lang", "fr")
    assert "paiements_2026-11.csv : 10 lignes, 8 valides, 2 seraient mises en quarantaine (2 problèmes)." in fr.output
    assert "MONTANT (amount) « -50,00 » est inférieur au minimum 0" in fr.output
    en = _check(file, "--agency", "rrn", "--contract", "benefit_payment")
    assert "paiements_2026-11.csv: 10 rows, 8 valid, 2 would be quarantined (2 problems)." in en.output
    data = json.loads(_check(file, "--agency", "rrn", "--contract", "benefit_payment", "--json").output)
    assert [(e["source_row"], e["rule"]) for e in data["errors"]] == [(6, "type-error"), (7, "minimum")]


def test_unreadable_file_and_unknown_mapping_exit_2(tmp_path):
    bomb = ROOT / "tests" / "bad_inputs" / "lab_xlsx" / "zip_bomb.xlsx"
    result = _check(str(bomb), "--agency", "nho", "--contract", "person", "--report", str(tmp_path))
    assert result.exit_code == 2
    assert "the file cannot be processed: the archive expands beyond the limits: spreadsheet expands" in result.output
    assert json.loads((tmp_path / "report.json").read_text())["status"] == "unreadable"
    missing = _check(str(bomb), "--agency", "nho", "--contract", "benefit_payment")
    assert missing.exit_code == 2
    assert "no single mapping for agency 'nho' and contract 'benefit_payment'" in missing.output


def test_values_are_inert_in_csv_and_html(tmp_path):
    extract = tmp_path / "payments_2027-01.csv"
    extract.write_text("payment_ref,client_id,program,amount,paid_on,state\n"
                       'P1,C1,PEN,"=HYPERLINK(""http://x.invalid"",""clic"")",2026-01-01,paid\n'
                       "P2,C2,PEN,<script>alert(1)</script>,2026-01-01,paid\n")
    result = _check(str(extract), "--agency", "cba", "--contract", "benefit_payment", "--report", str(tmp_path / "r"))
    assert result.exit_code == 1
    errors = pl.read_csv(tmp_path / "r" / "errors.csv", infer_schema=False)
    assert errors["value"].to_list() == ["'=HYPERLINK(\"http://x.invalid\",\"clic\")", "<script>alert(1)</script>"]
    html = (tmp_path / "r" / "report.html").read_text()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_relative_report_folder_works_and_internal_errors_exit_3(tmp_path, monkeypatch):
    """``--report rapport/`` (relative, as the README shows it) used to crash inside Great Expectations and
    exit 1, the code for "rows would be quarantined"."""
    monkeypatch.chdir(tmp_path)
    sample = SAMPLES / "rrn" / "personnes_2026-11.csv"
    args = ["check", str(sample), "--agency", "rrn", "--contract", "person", "--project-dir", str(ROOT),
            "--report", "rapport/"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output  # 3 rows would be quarantined
    assert (tmp_path / "rapport" / "report.html").exists() and (tmp_path / "rapport" / "errors.csv").exists()

    done = subprocess.run([sys.executable, "-c", "import sys, accord.reports.check as c; "
                           "c.stream_extract = lambda *a, **k: 1/0; "
                           "from accord.cli import main; sys.argv = ['accord', *sys.argv[1:]]; main()", *args],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 3, done.stderr  # 3: accord failed, never mistaken for an answer about the file
    assert "internal error: ZeroDivisionError: division by zero" in done.stderr


def test_data_docs_need_a_report_folder():
    result = _check(str(SAMPLES / "rrn" / "personnes_2026-11.csv"), "--agency", "rrn", "--contract", "person",
                    "--data-docs")
    assert result.exit_code == 2
    assert "--data-docs needs --report DIR" in result.output


def test_a_hostile_file_name_never_reaches_the_data_docs(tmp_path):
    hostile = tmp_path / 'personnes_<img src=x onerror="alert(1)">.csv'
    shutil.copyfile(SAMPLES / "rrn" / "personnes_2026-11.csv", hostile)
    report = tmp_path / "report"
    result = runner.invoke(app, ["check", str(hostile), "--agency", "rrn", "--contract", "person", "--project-dir",
                                 str(ROOT), "--report", str(report), "--data-docs"])
    assert result.exit_code == 1, result.output
    pages = [p.read_text() for p in (report / "data_docs").rglob("*.html")]
    assert pages and not any("onerror" in page for page in pages)
    assert 'onerror="alert(1)"' not in (report / "report.html").read_text()  # our own report escapes it


def test_a_column_the_mapping_does_not_read_is_named_in_the_report(tmp_path):
    text = (SAMPLES / "rrn" / "personnes_2026-11.csv").read_bytes().replace(b"\r\n", b"\n").split(b"\n")
    file = tmp_path / "personnes_2026-11.csv"
    file.write_bytes(b"\n".join(line + (b";REMARQUE" if i == 0 else b";x") if line else line
                                for i, line in enumerate(text)))
    english = _check(str(file), "--agency", "rrn", "--contract", "person", "--report", str(tmp_path / "r"))
    assert english.exit_code == 1, english.output  # the sample's three bad rows; the extra column sets none aside
    assert "warning: columns not read by the mapping (ignored): REMARQUE" in english.output
    french = _check(str(file), "--agency", "rrn", "--contract", "person", "--lang", "fr")
    assert "avertissement : colonnes non lues par le mapping (ignorées) : REMARQUE" in french.output
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert (report["extra_columns"], report["rows_quarantined"]) == (["REMARQUE"], 3)
    html = (tmp_path / "r" / "report.html").read_text()
    assert "<li>columns not read by the mapping (ignored): REMARQUE</li>" in html
