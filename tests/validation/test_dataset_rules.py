from __future__ import annotations

import datetime as dt
from decimal import Decimal

import polars as pl

from accord.validation import run_dataset_rules, suite_spec


def test_suite_is_generated_from_the_contract(payment):
    specs = [(s.type, s.kwargs) for s in suite_spec(payment)]
    assert specs == [
        ("ExpectTableColumnsToMatchOrderedList", {"column_list": payment.field_names}),
        ("ExpectTableRowCountToBeBetween", {"min_value": 1}),
        ("ExpectColumnValuesToNotBeNull", {"column": "payment_id"}),
        ("ExpectColumnValuesToBeUnique", {"column": "payment_id"}),
        ("ExpectColumnValuesToNotBeNull", {"column": "person_id"}),
        ("ExpectColumnValuesToNotBeNull", {"column": "program_code"}),
        (
            "ExpectColumnValuesToBeInSet",
            {"column": "program_code", "value_set": ["PENSION", "DISABILITY", "HOUSING", "FAMILY"]},
        ),
        ("ExpectColumnValuesToNotBeNull", {"column": "amount"}),
        ("ExpectColumnValuesToBeBetween", {"column": "amount", "min_value": 0.0, "max_value": 1000000.0}),
        ("ExpectColumnValuesToNotBeNull", {"column": "currency"}),
        ("ExpectColumnValuesToBeInSet", {"column": "currency", "value_set": ["CAD"]}),
        ("ExpectColumnValuesToNotBeNull", {"column": "payment_date"}),
        (
            "ExpectColumnValuesToBeBetween",
            {"column": "payment_date", "min_value": dt.datetime(2000, 1, 1), "max_value": None},
        ),
        ("ExpectColumnValuesToNotBeNull", {"column": "status"}),
        ("ExpectColumnValuesToBeInSet", {"column": "status", "value_set": ["PAID", "CANCELLED", "PENDING"]}),
    ]


def test_completeness_ratio_becomes_mostly(person):
    specs = {(s.type, s.kwargs.get("column")): s.kwargs for s in suite_spec(person)}
    assert specs[("ExpectColumnValuesToNotBeNull", "postal_code")] == {"column": "postal_code", "mostly": 0.5}


def _payments(ids: list[str], amounts: list[str]) -> pl.DataFrame:
    n = len(ids)
    return pl.DataFrame(
        {
            "payment_id": ids,
            "person_id": ["X"] * n,
            "program_code": ["PENSION"] * n,
            "amount": [Decimal(a) for a in amounts],
            "currency": ["CAD"] * n,
            "payment_date": [dt.date(2026, 1, 1)] * n,
            "status": ["PAID"] * n,
        },
        schema_overrides={"amount": pl.Decimal(12, 2)},
    )


def test_gx_passes_clean_data_and_fails_duplicates_with_counts(payment, tmp_path):
    ok = run_dataset_rules(payment, "ok", _payments(["A", "B"], ["1.00", "2.50"]), tmp_path / "docs")
    assert ok.success and len(ok.outcomes) == 15
    assert ok.docs_index == tmp_path / "docs" / "index.html"
    bad = run_dataset_rules(payment, "bad", _payments(["A", "A", "C"], ["1.00", "-3.00", "2.00"]), tmp_path / "docs")
    assert not bad.success
    assert [(o.type, o.column, o.unexpected_count) for o in bad.failed] == [
        ("expect_column_values_to_be_unique", "payment_id", 2),
        ("expect_column_values_to_be_between", "amount", 1),
    ]
    assert len(list((tmp_path / "docs" / "validations").rglob("*.html"))) == 2
