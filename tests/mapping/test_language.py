"""The mapping constructs beyond v1's basics, each with exact outputs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accord.errors import MappingError
from accord.mapping import load_mapping
from tests.helpers import ROOT
from tests.mapping.test_transforms import _errors, _map, _raw


def test_unicode_normalisation(person):
    raw = _raw(N=["Cafe\u0301", "Québec"])  # 'e' + combining acute, and the precomposed form
    mapped = _map(person, {"family_name": {"from": "N", "normalize": "NFC"}}, raw)
    assert mapped.values["family_name"].to_list() == ["Café", "Québec"]
    assert len(mapped.values["family_name"][0]) == 4


def test_accent_and_case_insensitive_codes(person):
    raw = _raw(P=["Québec", "QUEBEC", "quebec", "Ontário", "Nouvelle-Écosse"])
    codes = {"map": {"Quebec": "QC", "Ontario": "ON", "Nouvelle-Ecosse": "NS"}, "ignore_accents": True}
    mapped = _map(person, {"province": {"from": "P", "codes": codes}}, raw)
    assert mapped.values["province"].to_list() == ["QC", "QC", "QC", "ON", "NS"]
    assert _errors(mapped) == []


def test_regex_replace_and_extract(person):
    raw = _raw(CP=["h2x1y4", "H2X-1Y4", "Code: K1A 0B1 (Ottawa)"], NAS=["046-454-286", "046 454 286", "x"])
    mapped = _map(person, {
        "postal_code": {"from": "CP", "case": "upper",
                        "regex_replace": [{"pattern": "[^A-Za-z0-9]", "replacement": ""}],
                        "regex_extract": {"pattern": r"([A-Za-z]\d[A-Za-z])(\d[A-Za-z]\d)", "group": 0}},
        "sin": {"from": "NAS", "regex_replace": [{"pattern": r"[\s-]", "replacement": ""}]},
    }, raw)
    assert mapped.values["postal_code"].to_list() == ["H2X1Y4", "H2X1Y4", "K1A0B1"]
    assert mapped.values["sin"].to_list() == ["046454286", "046454286", "x"]
    spaced = _map(person, {"postal_code": {"from": "CP", "case": "upper", "regex_replace": [
        {"pattern": "[^A-Za-z0-9]", "replacement": ""}, {"pattern": r"^(...)(...)$", "replacement": "$1 $2"}]}},
        raw)
    assert spaced.values["postal_code"].to_list() == ["H2X 1Y4", "H2X 1Y4", "CODEK1A0B1OTTAWA"]


def test_split_coalesce_and_default(person):
    raw = _raw(FULL=["Tremblay, Jean", "Roy", None], A=[None, "x@a", None], B=["b", "y@b", None])
    mapped = _map(person, {
        "family_name": {"split": {"column": "FULL", "separator": ",", "index": 0}},
        "given_name": {"split": {"column": "FULL", "separator": ",", "index": 1}, "default": "(inconnu)"},
        "postal_code": {"coalesce": ["A", "B"]},
    }, raw)
    assert mapped.values.select("family_name", "given_name", "postal_code").rows() == [
        ("Tremblay", "Jean", "b"), ("Roy", "(inconnu)", "x@a"), (None, "(inconnu)", None)]


def test_when_then_otherwise(payment):
    raw = _raw(ETAT=["A", "P", "X", None], MONTANT=["1", None, "3", "4"], STATUT=["PAID", "PAID", "PAID", "PAID"])
    mapped = _map(payment, {"status": {
        "when": [{"if": {"column": "ETAT", "equals": "A"}, "then": {"constant": "CANCELLED"}},
                 {"if": {"column": "MONTANT", "is_null": True}, "then": {"constant": "PENDING"}},
                 {"if": {"column": "ETAT", "in": ["X", "Y"]}, "then": {"from": "ETAT"}}],
        "otherwise": {"from": "STATUT"},
        "codes": {"map": {"X": "CANCELLED"}, "unmapped": "keep"},
    }}, raw)
    assert mapped.values["status"].to_list() == ["CANCELLED", "PENDING", "CANCELLED", "PAID"]
    matches = _map(payment, {"status": {"when": [{"if": {"column": "ETAT", "matches": "^[AP]$"},
                                                  "then": {"constant": "PAID"}}]}}, raw)
    assert matches.values["status"].to_list() == ["PAID", "PAID", None, None]


def test_day_first_rule_and_excel_serials(person):
    raw = _raw(D=["03/04/1956", "03.04.1956", "1956-04-03", "46037", "60", "31/02/1980"])
    day_first = _map(person, {"birth_date": {"from": "D", "date": {"day_first": True, "excel_serial": True}}}, raw)
    assert day_first.values["birth_date"].to_list() == [
        dt.date(1956, 4, 3), dt.date(1956, 4, 3), dt.date(1956, 4, 3), dt.date(2026, 1, 15), None, None]
    assert [e[3] for e in _errors(day_first)] == ["60", "31/02/1980"]  # day 60 is Excel's phantom 29 Feb 1900
    month_first = _map(person, {"birth_date": {"from": "D", "date": {"day_first": False}}}, raw)
    assert month_first.values["birth_date"].to_list()[:3] == [dt.date(1956, 3, 4), None, dt.date(1956, 4, 3)]


def test_units_cents_to_dollars(payment):
    raw = _raw(C=["12345", "1 000", "5", "12.5", "abc"])
    mapped = _map(payment, {"amount": {"from": "C", "number": {"thousands": " ", "multiply": "0.01"}}}, raw)
    assert mapped.values["amount"].to_list() == [Decimal("123.45"), Decimal("10.00"), Decimal("0.05"), None, None]
    assert [e[3] for e in _errors(mapped)] == ["12.5", "abc"]  # 0.125 dollars does not fit 2 decimals


def test_custom_boolean_vocabulary(tmp_path):
    from accord.contracts import load_contract
    from tests.helpers import person_contract_data, write_contract

    data = person_contract_data()
    data["schema"][0]["properties"].append({"name": "consent", "logicalType": "boolean"})
    contract = load_contract(write_contract(tmp_path, data))
    raw = _raw(C=["Accepté", "refusé", "O"])
    mapped = _map(contract, {"consent": {"from": "C", "boolean": {"true": ["accepté"], "false": ["Refusé"]}}}, raw)
    assert mapped.values["consent"].to_list() == [True, False, None]


def test_code_list_from_a_csv_beside_the_mapping(tmp_path, registry):
    folder = tmp_path / "rrn"
    folder.mkdir()
    (folder / "sexes.csv").write_text("from,to\nH,M\nF,F\nX,X\n", encoding="utf-8")
    text = (ROOT / "mappings" / "rrn" / "person.yaml").read_text(encoding="utf-8").replace(
        "      map: {H: M, F: F, X: X}", "      file: sexes.csv")
    (folder / "person.yaml").write_text(text, encoding="utf-8")
    mapping = load_mapping(folder / "person.yaml", registry)
    assert [s.codes.map for s in mapping.spec.fields["sex"].steps if s.codes] == [{"H": "M", "F": "F", "X": "X"}]
    (folder / "person.yaml").write_text(text.replace("sexes.csv", "../../secrets.csv"), encoding="utf-8")
    with pytest.raises(MappingError, match="outside the mapping's folder"):
        load_mapping(folder / "person.yaml", registry)
