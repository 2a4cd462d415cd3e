"""Table Schema import and export on three public schemas (tests/fixtures/tableschema/README.md), compared
with frictionless on their own example files, cell by cell."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from frictionless import validate
from typer.testing import CliRunner

from accord.cli import app
from accord.contracts import load_contract
from accord.contracts.sql import to_sql
from accord.contracts.tableschema import contract_pattern, from_tableschema, tableschema_pattern, to_tableschema
from tests.conftest import ROOT

runner = CliRunner()
FIXTURES = ROOT / "tests" / "fixtures" / "tableschema"
SCHEMAS = ["covoiturage", "stationnement", "irve", "lieux"]
# what each invalid example holds (row, column), found by both accord and frictionless; checked by hand
# against the files (the IRVE one is written for the tests, see the README)
KNOWN = {
    "covoiturage": {(3, "date_maj")},
    "stationnement": {(2, "id"), (2, "tarif_pmr")},
    "irve": {(3, "contact_operateur"), (3, "horaires"), (4, "nbre_pdc"), (4, "prise_type_2"),
             (5, "condition_acces"), (5, "date_maj"), (5, "nom_enseigne")},
    "lieux": {(3, "puissances"), (3, "services"), (3, "dates"), (4, "jours"), (4, "services")},
}


def _import(name: str, project: Path) -> list[str]:
    result = runner.invoke(app, ["contract", "import", str(FIXTURES / name / "schema.json"), "--id", name,
                                 "--agency", "etalab", "--project-dir", str(project)])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def _accord_report(name: str, example: str, project: Path, tmp_path: Path) -> dict:
    file = shutil.copyfile(FIXTURES / name / f"exemple-{example}.csv", tmp_path / f"{name}-{example}.csv")
    result = runner.invoke(app, ["check", str(file), "--agency", "etalab", "--contract", name, "--json",
                                 "--project-dir", str(project)])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def _accord_cells(name: str, example: str, project: Path, tmp_path: Path) -> set[tuple[int, str]]:
    return {(e["source_row"], e["column"]) for e in _accord_report(name, example, project, tmp_path)["errors"]}


def _frictionless_cells(name: str, example: str, folder: Path | None = None) -> set[tuple[int, str]]:
    """``frictionless validate`` of an example with the schema in ``folder`` (default: the published one)."""
    report = validate(f"exemple-{example}.csv", schema="schema.json", basepath=str(folder or FIXTURES / name))
    assert all(kind in ("type-error", "constraint-error") for _, _, kind in report.flatten(
        ["rowNumber", "fieldName", "type"])), report.flatten(["type", "note"])
    return {(row, column) for row, column in report.flatten(["rowNumber", "fieldName"])}


@pytest.mark.parametrize("name", SCHEMAS)
def test_accord_and_frictionless_flag_the_same_cells(name, tmp_path):
    project = tmp_path / "project"
    _import(name, project)
    assert _accord_cells(name, "valide", project, tmp_path) == set() == _frictionless_cells(name, "valide")
    flagged = _accord_cells(name, "invalide", project, tmp_path)
    assert flagged == KNOWN[name] == _frictionless_cells(name, "invalide")


def test_import_reports_what_it_does_not_import(tmp_path):
    output = _import("irve", tmp_path)
    assert "not imported: field 'coordonneesXY': type 'geopoint' (imported as a string, unchecked)" in output
    assert output[-1] == "1 contract(s), 40 fields imported, 6 item(s) not imported"
    contract = load_contract(tmp_path / "contracts" / "irve" / "1.0.0.yaml")
    fields = {f.name: f for f in contract.fields}
    assert fields["horaires"].pattern == r"^(?:(.*?)((\d{1,2}:\d{2})-(\d{1,2}:\d{2})|24/7))$"  # whole value
    assert (fields["contact_operateur"].format, fields["contact_operateur"].pattern) == ("email", None)
    report = _accord_report("irve", "invalide", tmp_path, tmp_path)
    [error] = [e for e in report["errors"] if e["column"] == "contact_operateur"]
    assert (error["rule"], error["message_en"], error["message_fr"]) == (
        "format", "contact_operateur 'pas-un-email' is not an e-mail address",
        "contact_operateur « pas-un-email » n'est pas une adresse électronique")
    assert fields["implantation_station"].enum[:2] == ("Voirie", "Parking public")
    assert (fields["contact_operateur"].required, fields["contact_amenageur"].required) == (True, False)
    mapping = yaml.safe_load((tmp_path / "mappings" / "etalab" / "irve.yaml").read_text())
    assert (mapping["mapping_version"], mapping["source"]["pattern"]) == (2, "irve-*.csv")
    [target] = mapping["targets"]
    assert target["fields"]["gratuit"] == {"from": "gratuit", "trim": False, "steps": [{"boolean": {
        "true": ["true", "True", "TRUE", "1"], "false": ["false", "False", "FALSE", "0"]}}]}  # Table Schema's only
    assert target["fields"]["date_maj"] == {"from": "date_maj", "trim": False, "steps": [
        {"date": {"formats": ["%Y-%m-%d"]}}]}


def test_import_names_that_would_leave_the_project_are_refused(tmp_path):
    schema = str(FIXTURES / "covoiturage" / "schema.json")
    for extra in (["--id", "../escaped"], ["--id", "ok", "--agency", "../../x"],
                  ["--id", "ok", "--version", "1.0.0/../../y"]):
        result = runner.invoke(app, ["contract", "import", schema, *extra, "--project-dir", str(tmp_path / "p")])
        assert result.exit_code == 2, result.output
        assert "does not match" in result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == []  # nothing written anywhere


def test_stationnement_true_and_false_values_go_to_the_mapping(tmp_path):
    descriptor = json.loads((FIXTURES / "stationnement" / "schema.json").read_text())
    imported = from_tableschema(descriptor, contract_id="stationnement", agency="etalab")
    [spec] = [f for f in descriptor["fields"] if "trueValues" in f]
    assert imported.mapping["targets"][0]["fields"][spec["name"]]["steps"] == [{"boolean": {
        "true": spec["trueValues"], "false": spec["falseValues"]}}]
    assert imported.mapping["source"]["null_tokens"] == [""]
    assert imported.contract["schema"][0]["properties"][0]["primaryKey"] is True  # primaryKey: id


@pytest.mark.parametrize("name", SCHEMAS)
def test_import_export_import_is_stable_and_validates_the_examples_the_same_way(name, tmp_path):
    _import(name, tmp_path)
    contract = load_contract(tmp_path / "contracts" / name / "1.0.0.yaml")
    exported = to_tableschema(contract)
    again = from_tableschema(exported, contract_id=name, agency="etalab")
    first = from_tableschema(json.loads((FIXTURES / name / "schema.json").read_text()), contract_id=name,
                             agency="etalab")
    assert again.contract["schema"][0]["properties"] == first.contract["schema"][0]["properties"]
    # true/false values are the mapping's, not the contract's: an export cannot carry them
    assert _without_booleans(again.mapping["targets"][0]["fields"]) == _without_booleans(
        first.mapping["targets"][0]["fields"])
    folder = shutil.copytree(FIXTURES / name, tmp_path / "exported")
    (folder / "schema.json").write_text(json.dumps(exported, default=str))
    for example in ("valide", "invalide"):
        if (FIXTURES / name / f"exemple-{example}.csv").exists():
            assert _frictionless_cells(name, example, folder) == _frictionless_cells(name, example)


def _without_booleans(fields: dict) -> dict:
    return {name: {**spec, "steps": [s for s in spec.get("steps", []) if "boolean" not in s]}
            for name, spec in fields.items()}


def test_patterns_keep_their_meaning_both_ways():
    cases = {  # Table Schema pattern (whole value) -> contract pattern (searched anywhere)
        "[0-9]{3}": "^(?:[0-9]{3})$",
        "^[0-9]{3}$": "^[0-9]{3}$",  # already whole: kept
        "^a|b$": "^(?:^a|b$)$",  # '^a' or 'b$': not whole as it stands
        "^(a|b)$": "^(a|b)$",
        "^a\\$": "^(?:^a\\$)$",  # the '$' is a literal dollar
        "^[|]$": "^[|]$",
    }
    for table_schema, contract in cases.items():
        assert contract_pattern(table_schema) == contract
        assert contract_pattern(tableschema_pattern(contract)) == contract  # stable both ways
    assert tableschema_pattern("^(?:x|y)$") == "x|y"
    assert tableschema_pattern("[0-9]{3}") == ".*(?:[0-9]{3}).*"  # an unanchored contract pattern: any text around it


def test_sql_ddl_runs_in_duckdb_and_postgresql(registry, postgres_url):
    import sqlalchemy

    person = registry.resolve("person", 1)
    ddl = to_sql(person, "duckdb")
    assert '"person_id" VARCHAR NOT NULL' in ddl and 'PRIMARY KEY ("person_id")' in ddl
    assert "CHECK (\"sex\" IN ('M', 'F', 'X'))" in ddl
    connection = duckdb.connect()
    connection.execute(ddl)
    assert [c[0] for c in connection.execute("describe person_v1").fetchall()][-2:] == ["_ingested_at",
                                                                                      "_merged_count"]
    row = ("P1", "s", "f", "g", "b", "M", None, "QC", "fr", "rrn", "rrn-1", "a.csv", 2, "2026-11-01 00:00:00+00", 1)
    connection.execute(f"insert into person_v1 values ({', '.join('?' * len(row))})", row)
    with pytest.raises(duckdb.ConstraintException):
        connection.execute(f"insert into person_v1 values ({', '.join('?' * len(row))})", ("P2", *row[1:5], "Z",
                                                                                         *row[6:]))
    payment = registry.resolve("benefit_payment", 1)
    engine = sqlalchemy.create_engine(postgres_url)
    with engine.begin() as pg:
        pg.exec_driver_sql(to_sql(payment, "postgresql"))
        types = dict(pg.exec_driver_sql("select column_name, data_type from information_schema.columns "
                                        "where table_name = 'benefit_payment_v1'").fetchall())
    engine.dispose()
    assert (types["amount"], types["payment_date"], types["_ingested_at"]) == (
        "numeric", "date", "timestamp with time zone")


def test_json_schema_export_validates_records_and_imports_back(registry, tmp_path):
    import jsonschema

    from accord.contracts.jsonschema import from_jsonschema, to_jsonschema

    person = registry.resolve("person", 1)
    schema = to_jsonschema(person)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    record = {"person_id": "RRN-0001", "sin": "046454286", "family_name": "Côté", "given_name": "Luc",
              "birth_date": "1950-02-03", "sex": "M", "postal_code": "H2X 1Y4", "province": "QC",
              "preferred_language": None}
    assert list(validator.iter_errors(record)) == []
    bad = {**record, "sex": "Z", "postal_code": "h2x1y4", "birth_date": "03/02/1950"}
    assert sorted(e.path[0] for e in validator.iter_errors(bad)) == ["birth_date", "postal_code", "sex"]
    imported = from_jsonschema(schema, contract_id="person", agency="rrn")
    assert imported.not_imported == []
    again = from_jsonschema(to_jsonschema(_write_and_load(imported.contract, tmp_path)), contract_id="person")
    assert again.contract["schema"] == imported.contract["schema"]  # stable
    props = {p["name"]: p for p in imported.contract["schema"][0]["properties"]}
    assert props["birth_date"]["logicalType"] == "date" and props["person_id"]["required"] is True
    assert props["sex"]["enum"] == [{"value": "M"}, {"value": "F"}, {"value": "X"}]
    assert props["postal_code"]["logicalTypeOptions"]["pattern"] == person.field("postal_code").pattern


def _write_and_load(contract: dict, tmp_path: Path):
    from tests.helpers import write_contract

    return load_contract(write_contract(tmp_path / "contracts", contract))


def test_foreign_keys_to_another_resource_become_relationships_and_come_back(tmp_path):
    descriptor = {"fields": [{"name": "payment_id", "type": "string", "constraints": {"required": True}},
                             {"name": "person_id", "type": "string"}, {"name": "a", "type": "string"},
                             {"name": "b", "type": "string"}],
                  "primaryKey": "payment_id",
                  "foreignKeys": [{"fields": "person_id", "reference": {"resource": "person", "fields": "person_id"}},
                                  {"fields": ["a", "b"], "reference": {"resource": "x", "fields": ["a", "b"]}},
                                  {"fields": "a", "reference": {"resource": "", "fields": "payment_id"}}]}
    imported = from_tableschema(descriptor, contract_id="payment")
    person_id = next(p for p in imported.contract["schema"][0]["properties"] if p["name"] == "person_id")
    assert person_id["relationships"] == [{"type": "foreignKey", "to": "person.person_id"}]
    assert imported.not_imported == [
        "schema: foreign key ['a', 'b'] -> {'resource': 'x', 'fields': ['a', 'b']} (composite)",
        "schema: foreign key 'a' -> {'resource': '', 'fields': 'payment_id'} (a reference to the same resource)"]
    contract = _write_and_load(imported.contract, tmp_path)
    assert to_tableschema(contract)["foreignKeys"] == [
        {"fields": "person_id", "reference": {"resource": "person", "fields": "person_id"}}]
