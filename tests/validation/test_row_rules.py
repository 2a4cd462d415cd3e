from __future__ import annotations

import datetime as dt

import polars as pl

from accord.contracts.types import polars_schema
from accord.validation import row_schema
from accord.validation.uniqueness import duplicate_errors, frame_duplicate_errors, key_columns


def _frame(contract, rows: list[dict]) -> pl.DataFrame:
    base = dict.fromkeys(contract.field_names)
    schema = {"_source_row": pl.Int64, **polars_schema(contract)}
    return pl.DataFrame([{**base, **r} for r in rows], schema=schema)


GOOD = {
    "person_id": "P1",
    "family_name": "Roy",
    "given_name": "Ana",
    "birth_date": dt.date(1980, 1, 1),
    "sex": "F",
    "province": "QC",
}


def test_clean_rows_give_no_errors(person):
    frame = _frame(person, [{"_source_row": 2, **GOOD}, {"_source_row": 3, **GOOD, "person_id": "P2"}])
    assert row_schema(person).check(frame).is_empty()


def test_each_rule_reports_source_row_column_rule_value(person):
    rows = [
        {"_source_row": 10, **GOOD, "sex": "Q"},
        {"_source_row": 11, **GOOD, "person_id": "P2", "postal_code": "90210"},
        {"_source_row": 12, **GOOD, "person_id": "P3", "birth_date": dt.date(1899, 12, 31)},
        {"_source_row": 13, **GOOD, "person_id": "P4", "family_name": None},
        {"_source_row": 14, **GOOD, "person_id": "P4", "family_name": "x" * 101},
        {"_source_row": 15, **GOOD, "person_id": "P5", "sin": "12345"},
    ]
    errors = row_schema(person).check(_frame(person, rows)).sort("_source_row", "column")
    assert errors.select("_source_row", "column", "rule", "value").rows() == [
        (10, "sex", "enum", "Q"),
        (11, "postal_code", "pattern", "90210"),
        (12, "birth_date", "minimum", "1899-12-31"),
        (13, "family_name", "required", None),
        (14, "family_name", "length", "x" * 101),
        (15, "sin", "pattern", "12345"),
    ]
    duplicates = frame_duplicate_errors(_frame(person, rows), pl.DataFrame(), person)
    assert duplicates.select("_source_row", "column", "rule", "value").rows() == [
        (13, "person_id", "unique", "P4"), (14, "person_id", "unique", "P4")]
    assert errors.filter(pl.col("rule") == "enum")["detail"].to_list() == ["M, F, X"]
    assert errors.filter(pl.col("rule") == "length")["detail"].to_list() == ["1..100"]


def test_unique_ignores_missing_values(person):
    rows = [{"_source_row": i, **GOOD, "person_id": f"P{i}", "sin": None} for i in range(2, 6)]
    rows.append({"_source_row": 6, **GOOD, "person_id": "P6", "sin": "046454286"})
    rows.append({"_source_row": 7, **GOOD, "person_id": "P7", "sin": "046454286"})
    assert row_schema(person).check(_frame(person, rows)).is_empty()
    errors = frame_duplicate_errors(_frame(person, rows), pl.DataFrame(), person)
    assert errors.select("_source_row", "column", "rule").sort("_source_row").rows() == [
        (6, "sin", "unique"),
        (7, "sin", "unique"),
    ]


def test_duplicates_across_hash_partitions_are_all_found(person, monkeypatch):
    """With several partitions (as for a large extract), a value is still compared with all its copies, and
    the text the agency sent is what the error shows."""
    from accord.validation import uniqueness

    monkeypatch.setattr(uniqueness, "ROWS_PER_PARTITION", 3)
    ids = ["P1", "P2", "P3", "P1", "P5", "P6", "P7", "P3", "P1", None, None]
    frame = pl.DataFrame({"_source_row": list(range(2, 13)), "person_id": ids})
    sent = pl.DataFrame({"person_id": [f" {i} " if i else None for i in ids]})
    keys = key_columns(frame, sent, ["person_id"])
    assert uniqueness.partitions(frame.height) == 4
    errors = duplicate_errors(keys.lazy(), ["person_id"], frame.height)
    assert errors.select("_source_row", "value").rows() == [
        (2, " P1 "), (4, " P3 "), (5, " P1 "), (9, " P3 "), (10, " P1 ")]


def test_a_pattern_is_searched_anywhere_and_both_levels_agree(tmp_path):
    """JSON Schema's (ODCS's) meaning: an unanchored pattern may match anywhere in the value. The row rule and
    the dataset metric say the same (the row rule used to try the start only, the metric searched)."""
    from accord.contracts import load_contract
    from accord.validation.dataset_rules import dataset_metrics
    from tests.helpers import person_contract_data, write_contract

    data = person_contract_data()
    sin = next(p for p in data["schema"][0]["properties"] if p["name"] == "sin")
    sin["logicalTypeOptions"]["pattern"] = "[0-9]{3}"
    contract = load_contract(write_contract(tmp_path, data))
    values = {2: "123456789", 3: "ab123", 4: "abc", 5: "12x"}
    frame = _frame(contract, [{"_source_row": row, **GOOD, "person_id": f"P{row}", "sin": value}
                              for row, value in values.items()])
    errors = row_schema(contract).check(frame).filter(pl.col("rule") == "pattern")
    assert errors.select("_source_row", "value").sort("_source_row").rows() == [(4, "abc"), (5, "12x")]
    assert dataset_metrics(contract, frame.drop("_source_row"))["sin__pattern_mismatches"] == 2


def _same_failures(schema, values: pl.DataFrame) -> pl.DataFrame:
    """The expressions' errors, after checking pandera (the oracle) finds exactly the same, row for row."""
    return _same_failures_with(type(schema).check, schema, values)


def test_the_expressions_find_what_pandera_finds_on_every_sample(mappings, monkeypatch):
    """Every batch the engine checks on the samples (deliveries, joins and row operations included) is checked
    by pandera too: the same error records."""
    from accord.process import process_extract
    from accord.validation.row_rules import RowSchema
    from tests.conftest import SAMPLES

    expressions, batches = RowSchema.check, []

    def both(schema, values):
        batches.append(values.height)
        return _same_failures_with(expressions, schema, values)

    monkeypatch.setattr(RowSchema, "check", both)
    found = {}
    for name, mapping in sorted(mappings.items()):
        pattern = mapping.spec.delivery.pattern if mapping.spec.delivery else mapping.spec.source.pattern
        for file in sorted(p for p in (SAMPLES / mapping.agency).iterdir() if p.match(pattern)):
            frames = process_extract(file, mapping, row_schema(mapping.contract))
            found[f"{name} {file.name}"] = frames.errors.height
    assert len(batches) == 8 and sum(batches) > 50
    assert found["rrn/person personnes_2026-11.csv"] == 3 and found["nho/person clients_2026-11.xlsx"] == 4


def _same_failures_with(expressions, schema, values: pl.DataFrame) -> pl.DataFrame:
    order = ["_source_row", "column", "rule", "value", "detail"]
    ours = expressions(schema, values)
    assert ours.sort(order, nulls_last=True).equals(schema.check_with_pandera(values).sort(order, nulls_last=True))
    return ours


def test_the_expressions_find_what_pandera_finds_rule_by_rule(person):
    rows = [{"_source_row": 10 + n, **GOOD, "person_id": f"P{n}", **change} for n, change in enumerate([
        {"sex": "Q"}, {"postal_code": "90210"}, {"birth_date": dt.date(1899, 12, 31)},
        {"birth_date": dt.date(2027, 1, 1)}, {"family_name": None}, {"family_name": "x" * 101},
        {"family_name": ""}, {"sin": "12345"}, {"sin": "1234567890"}, {"province": "ZZ"}, {"person_id": None},
        {"preferred_language": "de", "postal_code": "h2x 1y4"}, {}])]
    errors = _same_failures(row_schema(person), _frame(person, rows))
    assert sorted(errors.select("_source_row", "column", "rule").rows()) == [
        (10, "sex", "enum"), (11, "postal_code", "pattern"), (12, "birth_date", "minimum"),
        (13, "birth_date", "maximum"), (14, "family_name", "required"), (15, "family_name", "length"),
        (16, "family_name", "length"), (17, "sin", "pattern"), (18, "sin", "pattern"), (19, "province", "enum"),
        (20, "person_id", "required"), (21, "postal_code", "pattern"), (21, "preferred_language", "enum")]
