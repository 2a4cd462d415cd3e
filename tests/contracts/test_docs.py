from __future__ import annotations

from typer.testing import CliRunner

from accord.cli import app
from accord.contracts import load_contract
from accord.contracts.docs import render
from tests.conftest import ROOT
from tests.helpers import person_contract_data, write_contract


def test_markdown_page_lists_fields_codes_in_both_languages(person):
    page = render(person, "md")
    assert page.startswith("# Person — `person` v1.0.0\n")
    assert (
        "| `birth_date` | date | yes / oui | >= 1900-01-01; <= 2026-12-31 | pii | Date of birth. | "
        "Date de naissance. |  |"
    ) in page
    assert "| `sin` | string | no / non | unique; pattern ^[0-9]{9}$ | pii |" in page
    assert "| `PE` | Prince Edward Island | Île-du-Prince-Édouard |" in page
    assert "| `X` | Another gender | Autre genre |" in page


def test_decimal_type_is_spelled_out(payment):
    assert "| `amount` | number (12 digits, 2 decimals) | yes / oui | >= 0; <= 1000000 |" in render(payment, "md")


def test_html_escapes_contract_text(tmp_path):
    data = person_contract_data()
    data["schema"][0]["properties"][2]["description"] = "<script>alert(1)</script> & co"
    html = render(load_contract(write_contract(tmp_path, data)), "html")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert '<td lang="fr">Nom de famille.</td>' in html


def test_cli_writes_both_formats(tmp_path):
    result = CliRunner().invoke(app, ["contract", "docs", str(ROOT / "contracts"), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "benefit_payment-1.0.0.html",
        "benefit_payment-1.0.0.md",
        "person-1.0.0.html",
        "person-1.0.0.md",
        "person-2.0.0.html",
        "person-2.0.0.md",
    ]
