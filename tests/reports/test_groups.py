"""The report an analyst reads: problems grouped by column and rule (largest first) with a plain explanation, a
valid value and the range found against the one allowed; one language per page; a chart drawn on the server."""

from __future__ import annotations

from accord.reports.check import CheckReport
from accord.reports.groups import problem_groups
from accord.reports.render import render_standalone


def _error(row, column, rule, value, detail, source=None):
    return {"source_row": row, "source_column": source or column, "column": column, "rule": rule, "value": value,
            "detail": detail, "message_en": f"{column} {value} en", "message_fr": f"{column} {value} fr"}


ERRORS = [
    _error(2, "birth_date", "minimum", "1850-01-02", "1900-01-01", "naissance"),
    _error(3, "sex", "enum", "H", "M, F, X", "sexe"),
    _error(4, "birth_date", "minimum", "1799-12-31", "1900-01-01", "naissance"),
    _error(5, "birth_date", "minimum", "1890-06-30", "1900-01-01", "naissance"),
    _error(6, "birth_date", "minimum", "1801-01-01", "1900-01-01", "naissance"),
    _error(7, "amount", "type-error", "12,5", "decimal(12, 2)", "montant"),
]


def test_problems_are_grouped_by_column_and_rule_largest_first():
    groups = problem_groups(ERRORS, {"sex": "F"})
    assert [(g.label, g.rule, g.count) for g in groups] == [("naissance (birth_date)", "minimum", 4),
                                                            ("montant (amount)", "type-error", 1),
                                                            ("sexe (sex)", "enum", 1)]
    dates = groups[0]
    assert dates.explanation("en") == "naissance (birth_date) must be at least 1900-01-01."
    assert dates.explanation("fr") == "naissance (birth_date) doit valoir au moins 1900-01-01."
    assert (dates.found, dates.allowed, dates.example) == (("1799-12-31", "1890-06-30"), "≥ 1900-01-01", "1900-01-01")
    assert [r["source_row"] for r in dates.first_rows] == [2, 4, 5]
    assert groups[1].explanation("fr") == "montant (amount) doit être un nombre." and groups[1].example == "3.5"
    assert groups[2].example == "F"  # the contract's own example first
    assert groups[2].explanation("en") == "sexe (sex) must be one of the allowed codes: M, F, X."


def _report(status="quarantined"):
    return CheckReport(file="/tmp/x/personnes.csv", agency="rrn", contract="person", contract_version="1.0.0",
                       mapping="rrn/person.yaml", status=status, rows_in=10, rows_published=5, rows_quarantined=5,
                       rejected=None, rule_counts={"minimum": 4, "enum": 1, "type-error": 1}, errors=ERRORS,
                       checked_at="2026-12-01T10:00:00+00:00")


def test_the_standalone_report_is_in_one_language_with_a_switch_a_chart_and_a_print_sheet():
    english, french = render_standalone(_report(), "en"), render_standalone(_report(), "fr")
    assert '<html lang="en">' in english and '<a href="report.fr.html" hreflang="fr" lang="fr">Français</a>' in english
    assert '<html lang="fr">' in french and '<a href="report.html" hreflang="en" lang="en">English</a>' in french
    assert "<h2 id=\"status-title\">Accepted with rows set aside</h2>" in english
    assert "<h2 id=\"status-title\">Accepté avec des lignes mises de côté</h2>" in french
    assert "Accepted" not in french and "doit valoir au moins" in french and "must be at least" not in french
    assert french.count('<section class="group"') == 3
    # the chart: a table with one meter per column, scaled to the largest (it reflows at 320 px, no SVG to shrink)
    assert '<table class="chart" id="chart-columns">' in english
    assert ('<tr><th scope="row">naissance (birth_date)</th><td><meter min="0" max="4" value="4" '
            'aria-label="naissance (birth_date) : 4"></meter>') in english
    assert '<meter min="0" max="4" value="1" aria-label="montant (amount) : 1"></meter>' in english
    assert '<th scope="row">sous le minimum</th>' in french and '<th scope="row">below the minimum</th>' in english
    assert "@media print" in english and "<script" not in english
    assert "Values found: <code>1799-12-31</code> to <code>1890-06-30</code>; allowed: <code>≥ 1900-01-01</code>" \
        in english


def test_a_refused_file_says_why_in_one_sentence():
    report = _report("unreadable")
    report.rejected, report.errors = "column 'nom' read by the mapping is missing from the file", []
    html = render_standalone(report, "fr")
    assert "<h2 id=\"status-title\">Refusé</h2>" in html
    assert ("personnes.csv : le fichier ne peut pas être traité : column &#39;nom&#39; read by the mapping is "
            "missing from the file") in html
