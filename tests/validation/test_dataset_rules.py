from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from accord.validation import run_dataset_rules, suite_spec
from accord.validation.dataset_rules import dataset_metrics


def test_suite_is_generated_from_the_contract(payment):
    specs = [(s.check, s.field, s.min_value, s.max_value) for s in suite_spec(payment)]
    assert specs == [
        ("columns_match_contract", None, 1, None),
        ("row_count", None, 1, None),
        ("nulls", "payment_id", None, 0),
        ("duplicated_rows", "payment_id", None, 0),
        ("nulls", "person_id", None, 0),
        ("nulls", "program_code", None, 0),
        ("not_in_code_list", "program_code", None, 0),
        ("nulls", "amount", None, 0),
        ("below_minimum", "amount", None, 0),
        ("above_maximum", "amount", None, 0),
        ("nulls", "currency", None, 0),
        ("not_in_code_list", "currency", None, 0),
        ("nulls", "payment_date", None, 0),
        ("below_minimum", "payment_date", None, 0),
        ("nulls", "status", None, 0),
        ("not_in_code_list", "status", None, 0),
    ]


def test_completeness_ratio_becomes_a_null_percent_limit(person):
    specs = {(s.check, s.field): s.max_value for s in suite_spec(person)}
    assert specs[("null_percent", "postal_code")] == 50.0
    assert ("nulls", "postal_code") not in specs


def _payments(ids: list[str], amounts: list[str], programs: list[str] | None = None) -> pl.DataFrame:
    n = len(ids)
    return pl.DataFrame({
        "payment_id": ids, "person_id": ["X"] * n, "program_code": programs or ["PENSION"] * n,
        "amount": [Decimal(a) for a in amounts], "currency": ["CAD"] * n,
        "payment_date": [dt.date(2026, 1, 1)] * n, "status": ["PAID"] * n,
    }, schema_overrides={"amount": pl.Decimal(12, 2)})


def test_metrics_are_exact(payment, person):
    frame = _payments(["A", "A", "C", "D"], ["1.00", "-3.00", "2000000.00", "2.00"], ["PENSION", "X", None, "X"])
    metrics = dataset_metrics(payment, frame)
    assert {k: v for k, v in metrics.items() if v} == {
        "columns_match_contract": 1.0, "row_count": 4.0, "payment_id__duplicated_rows": 2.0,
        "program_code__nulls": 1.0, "program_code__not_in_code_list": 2.0, "amount__below_minimum": 1.0,
        "amount__above_maximum": 1.0}
    people = pl.DataFrame({"postal_code": ["H2X 1Y4", None, None, "bad"]})
    assert dataset_metrics(person, people)["postal_code__null_percent"] == 50.0
    assert dataset_metrics(person, people)["postal_code__pattern_mismatches"] == 1.0
    assert dataset_metrics(person, people)["columns_match_contract"] == 0.0


def test_gx_passes_clean_data_and_fails_with_counts(payment, tmp_path):
    ok = run_dataset_rules(payment, "ok", _payments(["A", "B"], ["1.00", "2.50"]), tmp_path / "docs")
    assert ok.success and len(ok.outcomes) == 16
    assert ok.docs_index == str(tmp_path / "docs" / "index.html")
    bad = run_dataset_rules(payment, "bad", _payments(["A", "A", "C"], ["1.00", "-3.00", "2.00"]), tmp_path / "docs")
    assert not bad.success
    assert [(o.type, o.column, o.unexpected_count) for o in bad.failed] == [
        ("duplicated_rows", "payment_id", 2),
        ("below_minimum", "amount", 1),
    ]
    assert len(list((tmp_path / "docs" / "validations").rglob("*.html"))) == 2
    empty = run_dataset_rules(payment, "empty", _payments([], []), tmp_path / "docs")
    assert [(o.type, o.unexpected_count) for o in empty.failed] == [("row_count", 0)]


def test_data_docs_index_links_the_newest_validations_only(payment, tmp_path, monkeypatch):
    """GX reads every linked result to rebuild the index; the limit bounds that work as the history grows.
    Every validation keeps its page."""
    from accord.validation import dataset_rules

    monkeypatch.setattr(dataset_rules, "DOCS_INDEX_LIMIT", 2)
    for name in ("oldest-set", "middle-set", "newest-set"):
        run_dataset_rules(payment, name, _payments(["A"], ["1.00"]), tmp_path / "docs")
    index = (tmp_path / "docs" / "index.html").read_text()
    assert [name for name in ("oldest-set", "middle-set", "newest-set") if name in index] == ["middle-set",
                                                                                            "newest-set"]
    assert len(list((tmp_path / "docs" / "validations").rglob("*.html"))) == 3


def test_without_great_expectations_the_rules_decide_the_same(payment, tmp_path):
    """``accord check`` evaluates the bounds itself; the pipeline asks Great Expectations: same outcomes, for
    metrics on both sides of every bound."""
    from accord.validation import evaluate_metrics, validate_metrics

    specs = suite_spec(payment)
    for metrics in ({s.metric: (s.min_value if s.min_value is not None else s.max_value) for s in specs},
                    {s.metric: (s.min_value - 1 if s.min_value is not None else s.max_value + 1) for s in specs},
                    {}):
        ours = evaluate_metrics(payment, "d", metrics)
        theirs = validate_metrics(payment, "d", metrics, tmp_path / "docs")
        assert [(o.type, o.column, o.success) for o in ours.outcomes] == [
            (o.type, o.column, o.success) for o in theirs.outcomes]
        assert ours.success == theirs.success == (metrics != {} and all(
            s.min_value is None or metrics[s.metric] >= s.min_value for s in specs) and all(
            s.max_value is None or metrics[s.metric] <= s.max_value for s in specs))


def test_data_docs_pages_load_nothing_from_outside(payment, tmp_path):
    """Offline and under the portal's CSP: Bootstrap's stylesheets from the copies shipped with accord, relative to
    each page; no CDN stylesheet or script left."""
    import re

    ok = run_dataset_rules(payment, "ok", _payments(["A"], ["1.00"]), tmp_path / "docs")
    page = tmp_path / "docs" / ok.docs_page.split("/docs/", 1)[1]
    for html in (page, tmp_path / "docs" / "index.html"):
        text = html.read_text("utf-8")
        assert not re.findall(r'(?:href|src)="https?://[^"]+\.(?:css|js)', text), html
        sheets = re.findall(r"<link rel=\"stylesheet\" href=\"((?:[.][.]/)*static/vendor/[^\"]+)\">", text)
        assert [s.split("static/vendor/", 1)[1] for s in sheets] == [
            "bootstrap-table-1.19.1.min.css", "bootstrap-4.3.1.min.css", "fontawesome-6.6.0/css/all.min.css"]
        assert all((html.parent / s).resolve().is_file() for s in sheets)
    bootstrap = (tmp_path / "docs" / "static" / "vendor" / "bootstrap-4.3.1.min.css").read_text("utf-8")
    assert bootstrap.startswith("/*!\n * Bootstrap v4.3.1") and ".container{" in bootstrap
    icons = tmp_path / "docs" / "static" / "vendor" / "fontawesome-6.6.0"
    assert "../webfonts/fa-solid-900.woff2" in (icons / "css" / "all.min.css").read_text("utf-8")
    assert (icons / "webfonts" / "fa-solid-900.woff2").stat().st_size > 100_000
