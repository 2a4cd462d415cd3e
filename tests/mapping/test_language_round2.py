"""Mapping language, round 2: JSON sources mean JSON (absent keys, JSON types, nested objects), optional source
columns, templates whose parts vanish with an empty column, explode on a regular expression with each part's
index."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from accord.mapping import Mapping
from accord.mapping.loader import as_specs
from accord.process import process_extract
from accord.reasons import message
from accord.validation import row_schema
from tests.conftest import ROOT
from tests.mapping.test_language_v2 import _mapping, _raw

PAYMENT_FIELDS: dict[str, Any] = {
    "payment_id": {"from": "ref"}, "person_id": {"from": "client.id"}, "program_code": {"constant": "PENSION"},
    "amount": {"from": "amount"}, "currency": {"constant": "CAD"}, "payment_date": {"from": "paid_on"},
    "status": {"constant": "PAID"}}


def _ndjson(tmp_path, records: list[dict[str, Any]]):
    extract = tmp_path / "payments.ndjson"
    extract.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return extract


def _json_mapping(payment, version: int = 2, **source: Any) -> Mapping:
    if version == 1:
        [spec] = as_specs({"mapping_version": 1, "agency": "test", "contract": payment.id, "contract_version": 1,
                           "source": {"format": "ndjson", **source}, "fields": PAYMENT_FIELDS})
        return Mapping(spec=spec, contract=payment, file=ROOT / "mappings" / "test.yaml", sha256="0" * 64)
    return _mapping(payment, PAYMENT_FIELDS, format="ndjson", **source)


RECORDS = [
    {"ref": "P1", "client": {"id": "A"}, "amount": 10.5, "paid_on": "2026-11-02"},
    {"ref": "P2", "client": {"id": "B"}, "amount": "10.50", "paid_on": "2026-11-02"},  # a number as a string
    {"ref": 3, "client": {"id": "C"}, "amount": 7, "paid_on": "2026-11-02"},  # text as a number
    {"ref": "P4", "client": {"id": "D"}, "paid_on": "2026-11-02"},  # the required amount left out
    {"ref": "P5", "client": {"id": "E", "extra": True}, "amount": 1.0, "paid_on": "2026-11-02"},
]


def test_json_values_keep_their_json_types_and_absent_keys_are_null(tmp_path, payment):
    frames = process_extract(_ndjson(tmp_path, RECORDS), _json_mapping(payment), row_schema(payment))
    assert frames.outcome.rejected is None
    assert frames.published.select("_source_row", "payment_id", "person_id", "amount").rows() == [
        (1, "P1", "A", Decimal("10.50")), (5, "P5", "E", Decimal("1.00"))]
    assert frames.errors.select("_source_row", "column", "rule", "value", "detail").rows() == [
        (2, "amount", "type-error", "10.50", "decimal(12,2) [JSON number, string sent]"),
        (3, "payment_id", "type-error", "3", "string [JSON string, number sent]"),
        (4, "amount", "required", None, "")]
    assert message("type-error", "amount", "10.50", "decimal(12,2) [JSON number, string sent]", "fr") == (
        "amount « 10.50 » ne peut pas être lu comme un nombre (le fichier envoie une chaîne JSON ; un nombre est "
        "attendu)")
    assert frames.outcome.extra_columns == []  # client.extra is a key of client, which the mapping reads


def test_coercion_is_said_explicitly_and_version_1_mappings_keep_reading_text(tmp_path, payment):
    for mapping in (_json_mapping(payment, json_types="coerce"), _json_mapping(payment, version=1)):
        frames = process_extract(_ndjson(tmp_path, RECORDS), mapping, row_schema(payment))
        assert frames.published["payment_id"].to_list() == ["P1", "P2", "3", "P5"]
        assert frames.errors.select("_source_row", "rule").rows() == [(4, "required")]
    assert _json_mapping(payment, version=1).spec.source.json_types == "coerce"


def test_a_key_no_record_has_is_read_as_empty_and_named(tmp_path, payment):
    records = [{k: v for k, v in r.items() if k != "paid_on"} for r in RECORDS[:1]]
    frames = process_extract(_ndjson(tmp_path, records), _json_mapping(payment), row_schema(payment))
    assert frames.outcome.rejected is None  # not a missing column: JSON leaves keys out
    assert frames.errors.select("_source_row", "column", "rule").rows() == [(1, "payment_date", "required")]
    assert frames.outcome.read_notes == [{"en": "column paid_on is not in the file: read as empty",
                                          "fr": "la colonne paid_on n'est pas dans le fichier : lue comme vide"}]


def test_an_optional_source_column_may_be_absent_from_any_format(tmp_path, person):
    fields = {"person_id": {"from": "ID"}, "family_name": {"from": "NOM"}, "given_name": {"from": "PRENOM"},
              "sin": {"from": "NAS", "optional": True}, "birth_date": {"constant": "1950-02-03"},
              "sex": {"constant": "M"}, "province": {"constant": "QC"}}
    mapping = _mapping(person, fields, delimiter=";")
    assert mapping.spec.required_columns == ["ID", "NOM", "PRENOM"] and mapping.spec.optional_columns == ["NAS"]
    without = tmp_path / "without.csv"
    without.write_text("ID;NOM;PRENOM\nA1;Roy;Luc\n", encoding="utf-8")
    frames = process_extract(without, mapping, row_schema(person))
    assert frames.published.select("person_id", "sin").rows() == [("A1", None)]
    assert frames.outcome.read_notes[0]["en"] == "column NAS is not in the file: read as empty"
    with_it = tmp_path / "with.csv"
    with_it.write_text("ID;NOM;PRENOM;NAS\nA1;Roy;Luc;046454286\n", encoding="utf-8")
    frames = process_extract(with_it, mapping, row_schema(person))
    assert frames.published["sin"].to_list() == ["046454286"] and frames.outcome.read_notes == []
    missing = tmp_path / "missing.csv"
    missing.write_text("ID;NOM\nA1;Roy\n", encoding="utf-8")
    frames = process_extract(missing, mapping, row_schema(person))
    assert frames.outcome.rejected == "missing-column: PRENOM"  # not optional: the file is refused, as before


@pytest.mark.parametrize(("template", "expected"), [
    ("{NUM}-{UNIT}", ["12.0", "12.50-B", "C", "7", None]),
    ("{NUM:number}-{UNIT}", ["12", "12.5-B", "C", "7", None]),
    ("{NUM} ({UNIT})", ["12.0", "12.50 (B)", "(C)", "7", None]),
    ("Apt {UNIT}, {A}", ["x", "Apt B, y", "Apt C, z", "w", "v"]),
    ("{A}, {NUM} {UNIT}", ["x, 12.0", "y, 12.50 B", "z C", "w, 7", "v"]),
])
def test_template_parts_vanish_with_an_empty_column(person, template, expected):
    from accord.mapping import apply_mapping

    raw = _raw(NUM=["12.0", "12.50", None, "7", None], UNIT=[None, "B", "C", "", None], A=["x", "y", "z", "w", "v"])
    assert apply_mapping(_mapping(person, {"family_name": {"template": template}}), raw
                         ).values["family_name"].to_list() == expected


def test_explode_on_a_regular_expression_with_each_parts_index(tmp_path, payment):
    extract = tmp_path / "heures.csv"
    extract.write_text("ID;HEURES\nS1;Mon 9-5, Tue 9-12 and Wed 10-4\nS2;Fri 8-8\nS3;\n", encoding="utf-8")
    fields = {"payment_id": {"template": "{ID}-{PART}"}, "person_id": {"from": "HEURES"},
              "program_code": {"constant": "PENSION"}, "amount": {"constant": 1}, "currency": {"constant": "CAD"},
              "payment_date": {"constant": "2026-11-02"}, "status": {"constant": "PAID"}}
    rows = [{"explode": {"column": "HEURES", "pattern": r"\s*(,|\band\b)\s*", "index": "PART"}}]
    frames = process_extract(extract, _mapping(payment, fields, rows=rows, delimiter=";"), row_schema(payment))
    assert frames.published.select("_source_row", "payment_id", "person_id").rows() == [
        (2, "S1-0", "Mon 9-5"), (2, "S1-1", "Tue 9-12"), (2, "S1-2", "Wed 10-4"), (3, "S2-0", "Fri 8-8")]
    assert frames.errors.select("_source_row", "column", "rule").rows() == [(4, "person_id", "required")]
    assert (frames.rows_in, frames.records_published, frames.rows_quarantined) == (3, 2, 1)


def test_an_explode_pattern_is_checked_when_the_mapping_loads(payment):
    with pytest.raises(ValidationError, match="matches empty text"):
        _mapping(payment, {"payment_id": {"from": "X"}}, rows=[{"explode": {"column": "X", "pattern": r"\s*"}}])
    with pytest.raises(ValidationError, match="exactly one of 'separator'"):
        _mapping(payment, {"payment_id": {"from": "X"}}, rows=[{"explode": {"column": "X"}}])
    with pytest.raises(ValidationError, match="pattern '\\(': "):
        _mapping(payment, {"payment_id": {"from": "X"}}, rows=[{"explode": {"column": "X", "pattern": "("}}])


def test_one_contract_targeted_twice_unites_the_records_of_both_targets(tmp_path, registry):
    """A household file: each row holds the applicant and, when there is one, the spouse; both are persons."""
    from accord.mapping import load_mapping_file
    from tests.helpers import write_yaml

    def person() -> dict[str, Any]:
        return {"birth_date": {"constant": "1950-02-03"}, "sex": {"constant": "X"}, "province": {"constant": "QC"}}

    file = write_yaml(tmp_path / "mappings" / "test" / "households.yaml", {
        "mapping_version": 2, "agency": "test",
        "source": {"pattern": "menages_*.csv", "format": "csv", "delimiter": ";"},
        "targets": [
            {"contract": "person", "contract_version": 1, "fields": {
                "person_id": {"from": "ID1"}, "family_name": {"from": "NOM1"}, "given_name": {"from": "PRENOM1"},
                **person()}},
            {"contract": "person", "contract_version": 1,
             "rows": [{"filter": {"keep_if": {"column": "ID2", "is_null": False}, "reason": "no spouse"}}],
             "fields": {"person_id": {"from": "ID2"}, "family_name": {"from": "NOM2"},
                        "given_name": {"from": "PRENOM2"}, **person()}}]})
    [mapping] = load_mapping_file(file, registry)
    assert len(mapping.specs) == 2 and mapping.field_sources["person_id"] == "ID1 | ID2"
    extract = tmp_path / "menages_2026-12.csv"
    extract.write_text("ID1;NOM1;PRENOM1;ID2;NOM2;PRENOM2\n"
                       "A1;Roy;Luc;A2;Roy;Marie\n"   # two persons
                       "B1;Tremblay;Ana;;;\n"        # no spouse: one person, nothing filtered
                       "C1;Côté;Jo;C2;Côté;\n"       # the spouse has no given name: the household is quarantined
                       "D1;Gagnon;Li;A1;Dup;Dup\n"   # the spouse's id repeats A1: both rows hold a duplicate
                       "E1;Roy;Eva;E2;Roy;Tom\n",
                       encoding="utf-8")
    frames = process_extract(extract, mapping, row_schema(mapping.contract))
    # A2 goes with A1, whose id row 5 repeats: a source record is published whole or not at all
    assert sorted(frames.published.select("_source_row", "person_id").rows()) == [(3, "B1"), (6, "E1"), (6, "E2")]
    assert frames.errors.select("_source_row", "column", "rule").rows() == [
        (2, "person_id", "unique"), (4, "given_name", "required"), (5, "person_id", "unique")]
    assert (frames.rows_in, frames.records_published, frames.rows_published, frames.rows_quarantined,
            frames.rows_filtered) == (5, 2, 3, 3, 0)


def test_a_json_array_of_objects_explodes_into_records_of_its_own_contract(tmp_path):
    """HSDS nests a service's phones; the phone contract (imported from phone.json) is fed from the array, each
    phone linked to its service by the service's id, with a stable id from the service and the item's index."""
    from accord.contracts import load_contract
    from accord.contracts.jsonschema import from_jsonschema
    from tests.contracts.test_hsds import _resolve, _schema
    from tests.helpers import write_contract

    imported = from_jsonschema(_schema("phone"), contract_id="phone", agency="web", resolve=_resolve)
    phone = load_contract(write_contract(tmp_path / "contracts", imported.contract))
    services = [{"id": "ac148810-d857-441c-9679-408f346de14b",
                 "phones": [{"id": "x", "number": "+44 1234 234567", "type": "voice", "extension": 100},
                            {"number": "555 0100", "extension": "12"}]},
                {"id": "e94c9f38-1e8f-4564-91d4-d53501ab1765", "phones": []},
                {"id": "3a19ff88-4620-4d17-9830-ac1d859eb5d5"}]
    extract = tmp_path / "service-2026-12.ndjson"
    extract.write_text("".join(json.dumps(s) + "\n" for s in services), encoding="utf-8")
    fields = {"id": {"id": {"columns": ["id", "N"]}}, "service_id": {"from": "id"},
              "number": {"from": "phones.number"}, "type": {"from": "phones.type"},
              "extension": {"from": "phones.extension"}}
    mapping = _mapping(phone, fields, rows=[{"explode": {"column": "phones", "json": True, "index": "N"}}],
                       format="ndjson")
    assert "phones.number" not in mapping.spec.source_columns  # an item's key, made by the explode
    frames = process_extract(extract, mapping, row_schema(phone))
    assert frames.published.select("_source_row", "service_id", "number", "type", "extension").rows() == [
        (1, "ac148810-d857-441c-9679-408f346de14b", "+44 1234 234567", "voice", 100.0),
        (1, "ac148810-d857-441c-9679-408f346de14b", "555 0100", None, 12.0)]
    assert frames.published["id"].n_unique() == 2
    assert frames.filtered.rows() == [(2, "no item in phones"), (3, "no item in phones")]
    assert (frames.rows_in, frames.records_published, frames.rows_published, frames.rows_filtered) == (3, 1, 2, 2)
