"""Each mapping construct on small frames, with exact outputs."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from accord.mapping import Mapping, apply_mapping, missing_columns
from accord.mapping.loader import as_specs


def _mapping(contract, fields: dict[str, Any], **source: Any) -> Mapping:
    [spec] = as_specs(
        {
            "mapping_version": 1,
            "agency": "test",
            "contract": contract.id,
            "contract_version": contract.major,
            "source": {"format": "csv", **source},
            "fields": fields,
        }
    )
    return Mapping(spec=spec, contract=contract, file=Path("test.yaml"), sha256="0" * 64)


def _raw(**columns: list[str | None]) -> pl.DataFrame:
    height = len(next(iter(columns.values())))
    return pl.DataFrame(
        {"_source_row": list(range(2, height + 2)), **columns},
        schema={"_source_row": pl.Int64, **dict.fromkeys(columns, pl.String)},
    )


def _map(contract, fields, raw, **source):
    return apply_mapping(_mapping(contract, fields, **source), raw)


def _errors(mapped) -> list[tuple]:
    return mapped.errors.select("_source_row", "column", "rule", "value").rows()


def test_rename_trim_and_case(person):
    raw = _raw(NOM=["  dupont ", "o'brien"], PRENOM=["jean-luc", "  ANNE"], CP=["h2x 1y4", " k1a 0b1 "])
    mapped = _map(
        person,
        {
            "family_name": {"from": "NOM", "case": "upper"},
            "given_name": {"from": "PRENOM", "case": "title"},
            "postal_code": {"from": "CP", "case": "upper"},
        },
        raw,
    )
    assert mapped.values.select("family_name", "given_name", "postal_code").rows() == [
        ("DUPONT", "Jean-Luc", "H2X 1Y4"),
        ("O'BRIEN", "Anne", "K1A 0B1"),
    ]
    assert _errors(mapped) == []


def test_trim_can_be_turned_off_and_lower_case(person):
    raw = _raw(N=["  Dupont "])
    mapped = _map(person, {"family_name": {"from": "N", "trim": False, "case": "lower"}}, raw)
    assert mapped.values["family_name"].to_list() == ["  dupont "]


def test_null_tokens_from_source_and_field(person):
    raw = _raw(CP=["N/D", "", "-", "H2X 1Y4", "  "])
    mapped = _map(person, {"postal_code": {"from": "CP", "null_tokens": ["-"]}}, raw, null_tokens=["", "N/D"])
    assert mapped.values["postal_code"].to_list() == [None, None, None, "H2X 1Y4", None]
    assert _errors(mapped) == []


def test_dates_with_several_formats_and_invalid_dates(person):
    raw = _raw(D=["03/04/1956", "1956-04-03", "31/02/1980", "hier", None])
    mapped = _map(person, {"birth_date": {"from": "D", "date": {"formats": ["%d/%m/%Y", "%Y-%m-%d"]}}}, raw)
    assert mapped.values["birth_date"].to_list() == [dt.date(1956, 4, 3), dt.date(1956, 4, 3), None, None, None]
    assert _errors(mapped) == [(4, "birth_date", "type-error", "31/02/1980"), (5, "birth_date", "type-error", "hier")]


def test_date_default_format_is_iso(person):
    mapped = _map(person, {"birth_date": {"from": "D"}}, _raw(D=["2001-12-01", "01/12/2001"]))
    assert mapped.values["birth_date"].to_list() == [dt.date(2001, 12, 1), None]
    assert _errors(mapped) == [(3, "birth_date", "type-error", "01/12/2001")]


def test_decimal_comma_and_space_thousands(payment):
    raw = _raw(M=["1 234,56", "12\u00a0000,00", "7\u202f500,5", "987,10", "-50,00", "abc", "1,234", "3"])
    mapped = _map(payment, {"amount": {"from": "M", "number": {"decimal": ",", "thousands": " "}}}, raw)
    assert mapped.values["amount"].to_list() == [
        Decimal("1234.56"),
        Decimal("12000.00"),
        Decimal("7500.50"),
        Decimal("987.10"),
        Decimal("-50.00"),
        None,
        None,
        Decimal("3.00"),
    ]
    # "1,234" has three decimals once the comma is the decimal mark: refused rather than truncated
    assert _errors(mapped) == [(7, "amount", "type-error", "abc"), (8, "amount", "type-error", "1,234")]


def test_decimal_point_and_comma_thousands(payment):
    raw = _raw(M=["1,250.00", "980.5", "=1+1"])
    mapped = _map(payment, {"amount": {"from": "M", "number": {"decimal": ".", "thousands": ","}}}, raw)
    assert mapped.values["amount"].to_list() == [Decimal("1250.00"), Decimal("980.50"), None]
    assert _errors(mapped) == [(4, "amount", "type-error", "=1+1")]


def test_code_list_quarantine_policy_reports_known_codes(person):
    raw = _raw(S=["H", "F", "Z", None])
    mapped = _map(person, {"sex": {"from": "S", "codes": {"map": {"H": "M", "F": "F", "X": "X"}}}}, raw)
    assert mapped.values["sex"].to_list() == ["M", "F", None, None]
    assert mapped.errors.select("_source_row", "rule", "value", "detail").rows() == [
        (4, "unmapped-code", "Z", "H, F, X")
    ]


def test_code_list_null_and_keep_policies(person):
    raw = _raw(L=["EN", "ES", "fr"])
    null = _map(person, {"preferred_language": {"from": "L", "codes": {"map": {"EN": "en"}, "unmapped": "null"}}}, raw)
    assert null.values["preferred_language"].to_list() == ["en", None, None]
    assert _errors(null) == []
    keep = _map(person, {"preferred_language": {"from": "L", "codes": {"map": {"EN": "en"}, "unmapped": "keep"}}}, raw)
    assert keep.values["preferred_language"].to_list() == ["en", "ES", "fr"]


def test_code_list_ignoring_case(person):
    raw = _raw(S=["m", "M", "Female", "FEMALE"])
    mapped = _map(person, {"sex": {"from": "S", "codes": {"map": {"M": "M", "Female": "F"}, "ignore_case": True}}}, raw)
    assert mapped.values["sex"].to_list() == ["M", "M", "F", "F"]


def test_constant_and_concatenation(payment, person):
    mapped = _map(payment, {"currency": {"constant": "CAD"}}, _raw(X=["a", "b"]))
    assert mapped.values["currency"].to_list() == ["CAD", "CAD"]
    raw = _raw(F=["Jean", " Marie ", None, ""], M=["Luc", None, "Paul", None])
    mapped = _map(person, {"given_name": {"concat": {"columns": ["F", "M"], "separator": " "}}}, raw)
    assert mapped.values["given_name"].to_list() == ["Jean Luc", "Marie", "Paul", None]


def test_unmapped_contract_fields_are_null_columns(person):
    mapped = _map(person, {"family_name": {"from": "N"}}, _raw(N=["A"]))
    assert mapped.values.columns == ["_source_row", *person.field_names]
    assert mapped.values.row(0) == (2, None, None, "A", None, None, None, None, None, None)


def test_source_text_keeps_what_the_agency_sent(payment):
    raw = _raw(M=[" -50,00 "])
    mapped = _map(payment, {"amount": {"from": "M", "number": {"decimal": ","}}}, raw)
    assert mapped.source_text.rows() == [(2, "-50,00")]


def test_missing_columns_are_listed(person):
    mapping = _mapping(person, {"family_name": {"from": "NOM"}, "given_name": {"concat": {"columns": ["A", "B"]}}})
    assert missing_columns(mapping, _raw(NOM=["x"], A=["y"])) == ["B"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"family_name": {"from": "A", "constant": "B"}},
            "give exactly one of 'from', 'concat', 'constant', 'coalesce', 'split', 'when' (got ['from', 'constant'])",
        ),
        (
            {"family_name": {}},
            "give exactly one of 'from', 'concat', 'constant', 'coalesce', 'split', 'when' (got none)",
        ),
        ({"family_name": {"from": "A", "otherwise": {"constant": "x"}}}, "'otherwise' goes with 'when'"),
        ({"family_name": {"from": "A", "upper": True}}, "Extra inputs are not permitted"),
        ({"family_name": {"from": "A", "case": "shout"}}, "Input should be 'upper', 'lower' or 'title'"),
    ],
)
def test_spec_refuses_ambiguous_or_unknown_constructs(person, fields, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        _mapping(person, fields)


def test_timestamps_local_time_uses_the_contract_time_zone(registry):
    person_v2 = registry.resolve("person", 2)
    raw = _raw(T=["2026-11-01 09:30:00", "2026-07-01T09:30:00Z", "2026-07-01T09:30:00+02:00", "2026-03-08 02:30:00"])
    formats = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S"]
    mapped = _map(person_v2, {"updated_at": {"from": "T", "date": {"formats": formats}}}, raw)
    utc = dt.UTC
    assert mapped.values["updated_at"].to_list() == [
        dt.datetime(2026, 11, 1, 14, 30, tzinfo=utc),  # Eastern standard time, UTC-5
        dt.datetime(2026, 7, 1, 9, 30, tzinfo=utc),
        dt.datetime(2026, 7, 1, 7, 30, tzinfo=utc),
        None,  # 02:30 on 8 March 2026 does not exist in Toronto (clocks jump to 03:00)
    ]
    assert _errors(mapped) == [(5, "updated_at", "type-error", "2026-03-08 02:30:00")]


def test_integer_and_boolean_targets(tmp_path, registry):
    from accord.contracts import load_contract
    from tests.helpers import person_contract_data, write_contract

    data = person_contract_data()
    data["schema"][0]["properties"] += [
        {"name": "household", "logicalType": "integer"},
        {"name": "consent", "logicalType": "boolean"},
    ]
    contract = load_contract(write_contract(tmp_path, data))
    raw = _raw(H=["3", "1 200", "2.5", None], C=["Oui", "n", "1", "peut-être"])
    mapped = _map(contract, {"household": {"from": "H", "number": {"thousands": " "}}, "consent": {"from": "C"}}, raw)
    assert mapped.values.select("household", "consent").rows() == [(3, True), (1200, False), (None, True), (None, None)]
    assert _errors(mapped) == [(4, "household", "type-error", "2.5"), (5, "consent", "type-error", "peut-être")]


def test_numbers_with_an_exponent_are_numbers_and_decimals_stay_exact(payment):
    raw = _raw(M=["1E3", "2.5e-1", "-1.5E+2", "1.005e1", "12.340", "1.2345e1", "1e", "e3"])
    mapped = _map(payment, {"amount": {"from": "M"}}, raw)
    assert mapped.values["amount"].to_list() == [
        Decimal("1000.00"), Decimal("0.25"), Decimal("-150.00"), Decimal("10.05"), Decimal("12.34"), None, None, None]
    # 1.005e1 is 10.05 and 12.340 is 12.34 exactly; 1.2345e1 (12.345) has three decimals: refused, not rounded
    assert _errors(mapped) == [(7, "amount", "type-error", "1.2345e1"), (8, "amount", "type-error", "1e"),
                               (9, "amount", "type-error", "e3")]


def test_a_time_of_day_is_read_checked_and_published_as_iso_text(tmp_path):
    from accord.contracts import load_contract
    from accord.publish.parquet import dataset_schema, to_table
    from accord.publish.pseudonym import PseudonymKey
    from accord.validation.row_rules import row_schema
    from tests.helpers import person_contract_data, write_contract

    data = person_contract_data()
    data["schema"][0]["properties"].append({"name": "opens_at", "logicalType": "time", "physicalType": "time",
                                            "logicalTypeOptions": {"minimum": "06:00:00", "maximum": "22:00:00"}})
    contract = load_contract(write_contract(tmp_path, data))
    assert contract.field("opens_at").minimum == dt.time(6, 0)
    raw = _raw(H=["08:30", "8:30:15", "09:15:00.5", "25:00", "05:00", None])
    mapped = _map(contract, {"opens_at": {"from": "H"}}, raw)
    assert mapped.values["opens_at"].to_list() == [dt.time(8, 30), dt.time(8, 30, 15), dt.time(9, 15, 0, 500000),
                                                   None, dt.time(5, 0), None]
    assert _errors(mapped) == [(5, "opens_at", "type-error", "25:00")]
    checked = row_schema(contract).check(mapped.values.select("_source_row", "opens_at"))
    assert checked.select("_source_row", "column", "rule").rows() == [(6, "opens_at", "minimum")]
    published = to_table(mapped.values.with_columns(
        *(pl.lit("x").alias(f.name) for f in contract.fields if f.name != "opens_at")), contract,
        PseudonymKey(b"k" * 32, "test"), {"_submission_id": "s", "_source_file": "f",
                                          "_ingested_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)}, {})
    assert dataset_schema(contract).field("opens_at").type == "string"
    assert published.column("opens_at").to_pylist() == ["08:30:00", "08:30:15", "09:15:00.500", None, "05:00:00",
                                                        None]
