"""Mapping language 2: steps in any order, new steps, row operations with accounting, several targets per
file, and the messages an analyst reads."""

from __future__ import annotations

import textwrap
import uuid
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from accord.contracts import load_contract
from accord.intake import Intake
from accord.mapping import Mapping, apply_mapping, load_mapping_file
from accord.mapping.lint import lint_mapping
from accord.mapping.loader import as_specs
from accord.mapping.rows import shape
from accord.process import process_extract
from accord.settings import data_dirs
from accord.validation import row_schema
from tests.conftest import ROOT
from tests.helpers import person_contract_data, write_contract


def _mapping(contract, fields: dict[str, Any], rows: list | None = None, **source: Any) -> Mapping:
    [spec] = as_specs({"mapping_version": 2, "agency": "test", "source": {"format": "csv", **source},
                       "targets": [{"contract": contract.id, "contract_version": contract.major,
                                    "rows": rows or [], "fields": fields}]})
    return Mapping(spec=spec, contract=contract, file=ROOT / "mappings" / "test.yaml", sha256="0" * 64)


def _raw(**columns: list[str | None]) -> pl.DataFrame:
    height = len(next(iter(columns.values())))
    return pl.DataFrame({"_source_row": list(range(2, height + 2)), **columns},
                        schema={"_source_row": pl.Int64, **dict.fromkeys(columns, pl.String)})


def test_steps_run_in_the_order_written(person):
    raw = _raw(N=["  rue des Érables ", "RUE du Lac"])
    first_case = _mapping(person, {"family_name": {"from": "N", "steps": [
        {"case": "upper"}, {"replace": {"find": "RUE ", "with": "", "at": "start"}}, "trim"]}})
    first_replace = _mapping(person, {"family_name": {"from": "N", "steps": [
        {"replace": {"find": "RUE ", "with": "", "at": "start"}}, {"case": "upper"}]}})
    assert apply_mapping(first_case, raw).values["family_name"].to_list() == ["DES ÉRABLES", "DU LAC"]
    # the field's source trims every column it reads, so "rue" (lower case) is not "RUE " and stays
    assert apply_mapping(first_replace, raw).values["family_name"].to_list() == ["RUE DES ÉRABLES", "DU LAC"]


def test_replace_with_another_columns_value_and_templates(person):
    raw = _raw(TYPE=["Rue", "Boulevard", None], VOIE=["Rue Principale", "Boulevard René-Lévesque", "Chemin X"],
               NUM=["12", None, "7"])
    mapped = apply_mapping(_mapping(person, {
        "family_name": {"from": "VOIE", "steps": [{"replace": {"find_column": "TYPE", "at": "start"}}, "trim"]},
        "given_name": {"template": "{NUM} {VOIE} ({{{TYPE}}})"},
    }), raw)
    assert mapped.values["family_name"].to_list() == ["Principale", "René-Lévesque", "Chemin X"]
    assert mapped.values["given_name"].to_list() == [
        "12 Rue Principale ({Rue})", "Boulevard René-Lévesque ({Boulevard})", "7 Chemin X"]  # ' ({' and '})'
    # stand by TYPE, so they vanish with it


def test_code_maps_give_typed_values_and_numbers_can_be_rounded(tmp_path):
    data = person_contract_data()
    data["schema"][0]["properties"] += [{"name": "household", "logicalType": "integer"},
                                        {"name": "consent", "logicalType": "boolean"},
                                        {"name": "income", "logicalType": "number", "physicalType": "decimal(10,2)"}]
    contract = load_contract(write_contract(tmp_path, data))
    raw = _raw(H=["un", "deux", "trois"], C=["O", "N", "?"], R=["10.005", "-2.345", "7"])
    mapped = apply_mapping(_mapping(contract, {
        "household": {"from": "H", "steps": [{"codes": {"map": {"un": 1, "deux": 2}}}]},
        "consent": {"from": "C", "steps": [{"codes": {"map": {"O": True, "N": False}, "unmapped": "null"}}]},
        "income": {"from": "R", "steps": [{"number": {"round": 2}}]},
    }), raw)
    assert mapped.values.select("household", "consent", "income").rows() == [
        (1, True, Decimal("10.01")), (2, False, Decimal("-2.35")), (None, None, Decimal("7.00"))]
    assert mapped.errors.select("_source_row", "column", "rule", "value").rows() == [
        (4, "household", "unmapped-code", "trois")]


def test_stable_ids_and_conditions_with_and_or_not(person):
    raw = _raw(A=["X1", "X1", None], B=["2026", "2027", None], S=["actif", "inactif", "actif"], T=["A", "B", "A"])
    mapped = apply_mapping(_mapping(person, {
        "person_id": {"id": {"columns": ["A", "B"]}},
        "sin": {"id": {"columns": ["A", "B"], "method": "sha256"}},
        "family_name": {"when": [{"if": {"all": [{"column": "S", "equals": "actif"}, {"not": {"column": "T",
                                                                                       "equals": "B"}}]},
                                  "then": {"constant": "kept"}},
                                 {"if": {"any": [{"column": "S", "equals": "inactif"}, {"column": "T", "in": ["Z"]}]},
                                  "then": {"constant": "left"}}]},
    }), raw)
    import hashlib

    assert mapped.values["person_id"].to_list() == [str(uuid.uuid5(uuid.NAMESPACE_URL, "X1\x1f2026")),
                                                    str(uuid.uuid5(uuid.NAMESPACE_URL, "X1\x1f2027")), None]
    assert mapped.values["sin"].to_list()[0] == hashlib.sha256(b"X1\x1f2026").hexdigest()
    assert mapped.values["family_name"].to_list() == ["kept", "left", "kept"]


def test_lookup_reads_the_reference_tables_labels_in_both_languages(tmp_path, registry):
    person = registry.resolve("person", 1)
    folder = tmp_path / "test"
    folder.mkdir()
    file = folder / "person.yaml"
    file.write_text(textwrap.dedent("""\
        mapping_version: 2
        agency: test
        source: {format: csv}
        targets:
          - contract: person
            contract_version: 1
            fields:
              person_id: {from: ID}
              family_name: {from: ID}
              given_name: {from: ID}
              birth_date: {from: D}
              sex: {constant: X}
              province:
                from: PROV
                steps:
                  - lookup: {table: province.csv}
        """))
    [mapping] = load_mapping_file(file, registry)
    raw = _raw(ID=["1", "2", "3", "4"], D=["2000-01-01"] * 4,
               PROV=["Québec", "nouveau-brunswick", "Colombie-Britannique", "Atlantis"])
    mapped = apply_mapping(mapping, raw)
    assert mapped.values["province"].to_list() == ["QC", "NB", "BC", None]
    assert mapped.errors.select("_source_row", "rule", "value").rows() == [(5, "unmapped-code", "Atlantis")]
    assert person.field("province").enum is not None


def test_row_operations_account_for_every_source_record(tmp_path, payment):
    extract = tmp_path / "paiements.csv"
    extract.write_text("ID;PERS;ETAT;VERSEMENTS\n"
                       "P1;A;ACTIF;2026-11-01=10,00|2026-11-15=12,50\n"
                       "P2;B;BROUILLON;2026-11-01=5,00\n"
                       "P3;C;ACTIF;\n"
                       "P4;D;ACTIF;2026-11-01=1,00|2026-11-15=xx\n", encoding="utf-8")
    rows = [{"filter": {"drop_if": {"column": "ETAT", "equals": "BROUILLON"}, "reason": "draft record"}},
            {"filter": {"keep_if": {"column": "VERSEMENTS", "is_null": False}}},
            {"explode": {"column": "VERSEMENTS", "separator": "|"}}]
    mapping = _mapping(payment, {
        "payment_id": {"template": "{ID}-{VERSEMENTS}", "steps": [{"split": {"separator": "=", "index": 0}}]},
        "person_id": {"from": "PERS"},
        "program_code": {"constant": "HOUSING"},
        "amount": {"from": "VERSEMENTS", "steps": [{"split": {"separator": "=", "index": 1}},
                                                   {"number": {"decimal": ","}}]},
        "currency": {"constant": "CAD"},
        "payment_date": {"from": "VERSEMENTS", "steps": [{"split": {"separator": "=", "index": 0}}]},
        "status": {"constant": "PAID"},
    }, rows=rows, delimiter=";")
    frames = process_extract(extract, mapping, row_schema(payment))
    assert frames.published.select("_source_row", "payment_id", "amount").rows() == [
        (2, "P1-2026-11-01", Decimal("10.00")), (2, "P1-2026-11-15", Decimal("12.50"))]
    assert (frames.rows_in, frames.records_published, frames.rows_published, frames.rows_quarantined,
            frames.rows_filtered) == (4, 1, 2, 1, 2)
    assert frames.errors.select("_source_row", "column", "rule", "value").rows() == [
        (5, "amount", "type-error", "2026-11-15=xx")]
    assert frames.quarantined["ID"].to_list() == ["P4"]  # the record as sent, once
    assert frames.filtered.rows() == [(3, "draft record"),
                                                      (4, "kept only where VERSEMENTS is not empty")]


def test_unpivot_makes_one_record_per_filled_column(payment):
    mapping = _mapping(payment, {"payment_id": {"template": "{ID}-{JOUR}"}, "person_id": {"from": "ID"},
                                 "program_code": {"constant": "HOUSING"}, "amount": {"from": "MONTANT"},
                                 "currency": {"constant": "CAD"}, "payment_date": {"constant": "2026-11-02"},
                                 "status": {"constant": "PAID"}},
                       rows=[{"unpivot": {"columns": ["LUN", "MAR"], "name": "JOUR", "value": "MONTANT",
                                          "names": {"LUN": "lundi", "MAR": "mardi"}}}])
    raw = _raw(ID=["A", "B"], LUN=["1.00", ""], MAR=["2.00", None])
    [shaped] = shape(mapping.spec, raw)
    assert shaped.frame.select("_source_row", "JOUR", "MONTANT").rows() == [(2, "lundi", "1.00"),
                                                                             (2, "mardi", "2.00")]
    assert shaped.filtered.rows() == [(3, "no value in any of LUN, MAR")]
    assert mapping.spec.source_columns == ["LUN", "MAR", "ID"]  # JOUR and MONTANT are made, not read


def _write(folder, name: str, text: str):
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / name
    file.write_text(textwrap.dedent(text), encoding="utf-8")
    return file


TWO_TARGETS = """\
    mapping_version: 2
    agency: msa
    source: {pattern: "dossiers_*.csv", format: csv, delimiter: ";"}
    targets:
      - contract: person
        contract_version: 1
        fields:
          person_id: {from: DOSSIER}
          family_name: {from: NOM}
          given_name: {from: PRENOM}
          birth_date: {from: NAISSANCE}
          sex: {from: SEXE}
          province: {from: PROV}
      - contract: benefit_payment
        contract_version: 1
        fields:
          payment_id: {template: "{DOSSIER}-11"}
          person_id: {from: DOSSIER}
          program_code: {constant: HOUSING}
          amount: {from: MONTANT, steps: [{number: {decimal: ","}}]}
          currency: {constant: CAD}
          payment_date: {constant: "2026-11-01"}
          status: {constant: PAID}
    """


def test_one_file_feeds_several_contracts(tmp_path, registry):
    mapping_file = _write(tmp_path / "mappings" / "msa", "dossiers.yaml", TWO_TARGETS)
    mappings = load_mapping_file(mapping_file, registry)
    assert [m.name for m in mappings] == ["msa/person", "msa/benefit_payment"]
    data = data_dirs(tmp_path / "data").create()
    _write(data.landing / "msa", "dossiers_2026-11.csv",
           "DOSSIER;NOM;PRENOM;NAISSANCE;SEXE;PROV;MONTANT\nM-1;Roy;Ana;1980-01-02;F;NB;10,50\n")
    pickup = Intake(data, mappings).pickup()
    records = sorted((r.submission_id, r.contract, r.status) for r in Intake(data, mappings).store.all())
    assert len(pickup.accepted) == 2 and [r[1:] for r in records] == [
        ("benefit_payment/v1", "received"), ("person/v1", "received")]
    assert records[0][0].endswith("-benefit_payment-v1") and records[1][0].endswith("-person-v1")
    again = Intake(data, mappings)
    _write(data.landing / "msa", "dossiers_2026-11-bis.csv",
           "DOSSIER;NOM;PRENOM;NAISSANCE;SEXE;PROV;MONTANT\nM-1;Roy;Ana;1980-01-02;F;NB;10,50\n")
    again.pickup()
    statuses = sorted(r.status for r in again.store.all())
    assert statuses == ["duplicate", "duplicate", "received", "received"]  # same bytes: per target


def test_lint_of_version_2_names_target_lines_and_explains(tmp_path, registry):
    file = _write(tmp_path / "msa", "dossiers.yaml", TWO_TARGETS.replace(
        "amount: {from: MONTANT, steps: [{number: {decimal: \",\"}}]}",
        "amount: {from: MONTANT, steps: [{number: {decimal: \",\"}}, trim]}").replace(
        "status: {constant: PAID}", "status: {constant: PAYED}"))
    found = [(f.line, f.path, f.message, f.hint) for f in lint_mapping(file, registry)]
    assert found == [
        (20, "targets[1].fields.amount.steps[0].number",
         "'number' reads the text as the field's type, so it must be the last step", "move it to the end of 'steps'"),
        (23, "targets[1].fields.status.constant", "constant 'PAYED' is not a code of contract field 'status'",
         "did you mean 'PAID'?"),
    ]


def test_yaml_surprises_are_read_as_written_or_explained(tmp_path, registry):
    folder = tmp_path / "nho"
    good = _write(folder, "person.yaml", (ROOT / "mappings" / "nho" / "person.yaml").read_text().replace(
        "Ontario: \"ON\"", "Ontario: ON").replace("Ontario: 'ON'", "Ontario: ON"))
    assert "Ontario: ON" in good.read_text()
    [mapping] = load_mapping_file(good, registry)
    assert [s.codes.map["Ontario"] for s in mapping.spec.fields["province"].steps if s.codes] == ["ON"]
    tabbed = _write(folder, "tabs.yaml", "mapping_version: 1\nagency: nho\nfields:\n\tperson_id: {from: A}\n")
    [finding] = lint_mapping(tabbed, registry)
    assert (finding.line, finding.message) == (
        4, "a tab character is used for indentation: YAML only allows spaces (replace each tab by spaces, two per "
           "level)")
    dedented = _write(folder, "dedent.yaml", (ROOT / "mappings" / "nho" / "person.yaml").read_text().replace(
        "      map: {Male: M", "    map: {Male: M"))
    messages = [(f.message, f.hint) for f in lint_mapping(dedented, registry)]
    assert ("unknown key 'map'", "'map' belongs under 'codes': indent it by two more spaces") in messages
    null = _write(folder, "null.yaml", (ROOT / "mappings" / "cba" / "person.yaml").read_text().replace(
        "unmapped: \"null\"", "unmapped: null").replace("agency: cba", "agency: nho"))
    [(message, hint)] = [(f.message, f.hint) for f in lint_mapping(null, registry)]
    assert message == "Input should be 'quarantine', 'null' or 'keep'"
    assert hint == "the value was read as empty (YAML reads null and ~ that way): write it in quotes, \"null\""


@pytest.mark.parametrize("steps, message", [
    ([{"codes": {"map": {}}}], "the code map of 'sex' is empty: every value would be unmapped"),
    ([{"lookup": {"table": "sexes.csv"}}], "code list file 'reference/sexes.csv' not found"),
])
def test_lint_refuses_empty_code_maps_and_unknown_reference_tables(tmp_path, registry, steps, message):
    text = (ROOT / "mappings" / "nho" / "person.yaml").read_text()
    file = _write(tmp_path / "nho", "person.yaml", text)
    import yaml

    from accord.mapping.spec_v1 import upgrade

    data, _ = upgrade(yaml.safe_load(text))
    data["targets"][0]["fields"]["sex"] = {"from": "Gender", "steps": steps}
    file.write_text(yaml.safe_dump(data, sort_keys=False))
    assert [f.message for f in lint_mapping(file, registry)] == [message]


def test_lint_with_a_sample_sees_columns_date_formats_and_codes(tmp_path, registry):
    text = (ROOT / "mappings" / "rrn" / "person.yaml").read_text()
    typo = _write(tmp_path / "a" / "rrn", "person.yaml", text.replace("from: DATE_NAISS", "from: DATE_NAIS"))
    wrong_format = _write(tmp_path / "b" / "rrn", "person.yaml", text.replace('"%d/%m/%Y"', '"%Y-%m-%d"'))
    sample = ROOT / "samples" / "landing" / "rrn" / "personnes_2026-11.csv"
    from accord.mapping.sample_lint import sample_findings

    assert [str(f).split(": ", 1)[1] for f in sample_findings(typo, registry, sample)] == [
        "error: fields.birth_date.from: column 'DATE_NAIS' is not in the sample personnes_2026-11.csv "
        "(hint: did you mean 'DATE_NAISS'?)"]
    assert [(f.line, f.column, f.severity, f.message, f.hint) for f in sample_findings(wrong_format, registry,
                                                                                        sample)] == [
        (24, 5, "error", "none of the 12 sample values of 'birth_date' reads as a date with %Y-%m-%d",
         "the sample reads as %d/%m/%Y: date: {formats: ['%d/%m/%Y']}"),
        (29, 7, "warning", "codes of the sample that the map of 'sex' does not list: 'Z' (1 row)",
         "add them to the map, or say unmapped: null or keep")]
