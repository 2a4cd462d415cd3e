"""Array (list) fields: item type and item rules in the contract, items read from delimited text or JSON by the
mapping, published as Parquet lists, checked row by row and over the dataset, exported and diffed."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil

import duckdb
import polars as pl
import pyarrow as pa
import pytest

from accord.agency import run_agency
from accord.contracts import ContractRegistry, lint_contract, load_contract
from accord.contracts.diff import diff_contracts
from accord.contracts.jsonschema import from_jsonschema, to_jsonschema
from accord.contracts.sql import to_sql
from accord.contracts.tableschema import from_tableschema
from accord.mapping import load_mappings
from accord.mapping.compile import apply_mapping
from accord.mapping.loader import Mapping, as_specs
from accord.publish.tables import AGENCIES, Table
from accord.settings import data_dirs
from accord.validation.dataset_rules import dataset_metrics
from accord.validation.row_rules import row_schema
from tests.conftest import RECEIVED, ROOT
from tests.helpers import person_contract_data, write_contract, write_yaml

LIEUX = ROOT / "tests" / "fixtures" / "tableschema" / "lieux"


def _lieux_project(tmp_path):
    """The ``lieux`` Table Schema imported as a contract and the etalab mapping, in a project of its own."""
    imported = from_tableschema(json.loads((LIEUX / "schema.json").read_text()), contract_id="lieux",
                                agency="etalab")
    write_yaml(tmp_path / "contracts" / "lieux" / "1.0.0.yaml", imported.contract)
    write_yaml(tmp_path / "mappings" / "etalab" / "lieux.yaml", imported.mapping)
    registry = ContractRegistry.load(tmp_path / "contracts")
    [mapping] = load_mappings(tmp_path / "mappings", registry)
    return registry.resolve("lieux", 1), mapping


def _deliver(data, example: str) -> None:
    target = data.landing / "etalab" / f"lieux-{example}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(LIEUX / f"exemple-{example}.csv", target)
    os.utime(target, (RECEIVED.timestamp(), RECEIVED.timestamp()))


def test_lists_are_published_as_parquet_lists_of_their_item_type(tmp_path):
    contract, mapping = _lieux_project(tmp_path)
    data = data_dirs(tmp_path / "data").create()
    _deliver(data, "valide")
    result = run_agency(mapping, data, dataset_rules=False)
    assert (result.rows_published, result.rows_quarantined) == (3, 0)
    table = Table(data, contract, AGENCIES).open().to_pyarrow_table()
    assert {name: table.schema.field(name).type for name in ("jours", "puissances", "services", "dates")} == {
        "jours": pa.list_(pa.string()), "puissances": pa.list_(pa.float64()), "services": pa.list_(pa.string()),
        "dates": pa.list_(pa.date32())}
    rows = table.sort_by("id").select(["id", "jours", "puissances", "services", "dates"]).to_pylist()
    assert rows == [
        {"id": 1, "jours": ["lu", "ma", "me"], "puissances": [22.0, 7.4], "services": ["wifi", "parking"],
         "dates": [dt.date(2026, 1, 1), dt.date(2026, 2, 1)]},
        {"id": 2, "jours": ["lu"], "puissances": [3.7], "services": [], "dates": [dt.date(2026, 3, 1)]},
        {"id": 3, "jours": ["lu", "ma", "me", "je", "ve", "sa", "di"], "puissances": None, "services": ["douche"],
         "dates": None},
    ]


def test_broken_lists_are_quarantined_with_the_rule_and_the_text_sent(tmp_path):
    _, mapping = _lieux_project(tmp_path)
    data = data_dirs(tmp_path / "data").create()
    _deliver(data, "invalide")
    result = run_agency(mapping, data, dataset_rules=False)
    assert (result.rows_published, result.rows_quarantined) == (1, 2)  # 3 records: none lost
    [quarantine] = data.quarantine.rglob("*.errors.csv")
    errors = pl.read_csv(quarantine, infer_schema=False)
    found = sorted(errors.select("source_row", "column", "rule", "value").rows())
    assert found == [
        ("3", "dates", "type-error", "2026-13-01"),
        ("3", "puissances", "type-error", "22,x"),
        ("3", "services", "enum", '["wifi","sauna"]'),
        ("4", "jours", "item-count", "lu;ma;me;je;ve;sa;di;xx"),
        ("4", "services", "type-error", "not json"),
    ]
    messages = dict(zip(errors["column"] + "/" + errors["rule"], errors["message_fr"], strict=True))
    assert messages["puissances/type-error"] == ("puissances « 22,x » ne peut pas être lu comme une liste dont "
                                                 "chaque élément est un nombre")
    assert messages["jours/item-count"] == "jours « lu;ma;me;je;ve;sa;di;xx » a un nombre d'éléments hors de 1..7"


def _array_contract(tmp_path, items: dict, **options):
    data = person_contract_data()
    prop = {"name": "tags", "logicalType": "array", "items": items}
    if options:
        prop["logicalTypeOptions"] = options
    data["schema"][0]["properties"].append(prop)
    return write_contract(tmp_path, data)


def _mapping(contract, fields: dict, **source) -> Mapping:
    [spec] = as_specs({"mapping_version": 1, "agency": "test", "contract": contract.id,
                                       "contract_version": contract.major, "source": {"format": "csv", **source},
                                       "fields": fields})
    return Mapping(spec=spec, contract=contract, file=ROOT / "mappings" / "test.yaml", sha256="0" * 64)


def test_items_are_split_trimmed_and_typed_and_an_empty_item_is_a_type_error(tmp_path):
    contract = load_contract(_array_contract(tmp_path, {"logicalType": "integer"}))
    raw = pl.DataFrame({"_source_row": [2, 3, 4, 5, 6], "T": ["1; 2 ;3", "4", "5;;6", "7;x", None]})
    mapped = apply_mapping(_mapping(contract, {"tags": {"from": "T", "items": {"separator": ";"}}}), raw)
    assert mapped.values["tags"].to_list() == [[1, 2, 3], [4], None, None, None]
    assert mapped.errors.select("_source_row", "rule", "value", "detail").rows() == [
        (4, "type-error", "5;;6", "array<integer>"), (5, "type-error", "7;x", "array<integer>")]


def test_json_cells_must_be_flat_json_arrays(tmp_path):
    contract = load_contract(_array_contract(tmp_path, {"logicalType": "boolean"}))
    cells = ['[true, false]', '["oui"]', "[]", '[[true]]', '{"a": 1}', "[true,]", '[null]']
    raw = pl.DataFrame({"_source_row": range(2, 2 + len(cells)), "T": cells})
    mapped = apply_mapping(_mapping(contract, {"tags": {"from": "T"}}, format="ndjson"), raw)
    assert mapped.values["tags"].to_list() == [[True, False], [True], [], None, None, None, None]
    assert mapped.errors["value"].to_list() == ['[[true]]', '{"a": 1}', "[true,]", "[null]"]


def test_item_rules_and_list_rules_are_row_rules_and_dataset_metrics(tmp_path):
    file = _array_contract(tmp_path, {"logicalType": "string", "logicalTypeOptions": {"pattern": "^[A-Z]{2}$"}},
                           minItems=1, maxItems=2, uniqueItems=True)
    contract = load_contract(file)
    values = pl.DataFrame({"tags": [["QC"], ["QC", "on"], ["QC", "QC"], [], ["ON", "QC", "NB"], None]},
                          schema={"tags": pl.List(pl.String)})
    frame = pl.DataFrame({f.name: pl.Series([None] * 6, dtype=pl.String) for f in contract.fields
                          if f.name != "tags"}).with_columns(values["tags"], pl.Series("_source_row", range(2, 8)))
    frame = frame.with_columns(pl.col("birth_date").cast(pl.Date))
    errors = row_schema(contract).check(frame.select(*contract.field_names, "_source_row"))
    tags = errors.filter(pl.col("column") == "tags").sort("_source_row", "rule")
    assert tags.select("_source_row", "rule", "detail").rows() == [
        (3, "pattern", "^[A-Z]{2}$"), (4, "unique-items", ""), (5, "item-count", "1..2"), (6, "item-count", "1..2")]
    assert dataset_metrics(contract, frame)["tags__list_rule_mismatches"] == 4.0


def test_array_lint_names_what_is_wrong(tmp_path):
    cases = [({"name": "tags", "logicalType": "array"}, "an array needs 'items'"),
             ({"name": "tags", "logicalType": "array", "items": {"logicalType": "array"}},
              "array items must be one of string, integer, number, boolean, date, timestamp, not 'array'"),
             ({"name": "tags", "logicalType": "array", "unique": True, "items": {"logicalType": "string"}},
              "an array field cannot be unique"),
             ({"name": "tags", "logicalType": "array", "items": {"logicalType": "string"},
               "logicalTypeOptions": {"minItems": 3, "maxItems": 2}}, "minItems 3 is greater than maxItems 2"),
             ({"name": "tags", "logicalType": "array",
               "items": {"logicalType": "string", "logicalTypeOptions": {"pattern": "(?=x)"}}},
              "pattern does not compile")]
    for n, (prop, expected) in enumerate(cases):
        data = person_contract_data()
        data["schema"][0]["properties"].append(prop)
        findings = [f for f in lint_contract(write_contract(tmp_path / str(n), data)) if f.severity == "error"]
        assert [f.message[:len(expected)] for f in findings] == [expected], findings


def test_diff_sees_item_type_item_rules_and_item_counts(tmp_path):
    old = load_contract(_array_contract(tmp_path / "a", {"logicalType": "string", "enum": [
        {"value": "A"}, {"value": "B"}]}, maxItems=3))
    new = load_contract(_array_contract(tmp_path / "b", {"logicalType": "string", "enum": [{"value": "A"}]},
                                        maxItems=5, uniqueItems=True))
    changes = [(c.kind, c.message) for c in diff_contracts(old, new).changes]
    assert changes == [("code-removed", "tags[]: codes removed: B"), ("max-items-relaxed", "tags: max-items 3 -> 5"),
                       ("unique-items-added", "tags: unique items False -> True")]
    retyped = load_contract(_array_contract(tmp_path / "c", {"logicalType": "integer"}, maxItems=3))
    assert [(c.kind, c.message, c.breaking) for c in diff_contracts(old, retyped).changes] == [
        ("type-changed", "tags[]: string -> integer", True), ("code-list-removed", "tags[]: code list removed", False)]


def test_json_schema_arrays_import_and_export(tmp_path):
    schema = {"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string"},
        "phones": {"type": "array", "items": {"type": "string", "pattern": "^[0-9 +]+$"}, "minItems": 1,
                   "uniqueItems": True},
        "grid": {"type": "array", "items": {"type": "array"}}}}
    imported = from_jsonschema(schema, contract_id="contacts")
    assert imported.not_imported == ["property 'grid[]': type 'array' (imported as a string, unchecked)"]
    file = write_yaml(tmp_path / "contracts" / "contacts" / "1.0.0.yaml", imported.contract)
    contract = load_contract(file)
    phones = contract.field("phones")
    assert (phones.type_label, phones.min_items, phones.unique_items, phones.items.pattern) == (
        "array<string>", 1, True, "^[0-9 +]+$")
    assert to_jsonschema(contract)["properties"]["phones"] == {
        "type": ["array", "null"], "items": {"type": "string", "pattern": "^[0-9 +]+$"}, "minItems": 1,
        "uniqueItems": True}


def test_sql_ddl_declares_list_columns(tmp_path):
    contract, _ = _lieux_project(tmp_path)
    ddl = to_sql(contract, "duckdb")
    assert '"jours" VARCHAR[]' in ddl and '"puissances" DOUBLE[]' in ddl and '"dates" DATE[]' in ddl
    with duckdb.connect() as db:
        db.execute(ddl)
        db.execute("""INSERT INTO lieux_v1 (id, jours, dates, _agency, _submission_id, _source_file, _source_row,
                      _ingested_at, _merged_count) VALUES (1, ['lu', 'ma'], ['2026-01-01'::DATE], 'etalab', 's', 'f',
                      2, now(), 1)""")
        assert db.execute("SELECT jours, dates FROM lieux_v1").fetchall() == [(["lu", "ma"], [dt.date(2026, 1, 1)])]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_contract_docs_show_the_item_type_and_rules(tmp_path, fmt):
    from accord.contracts.docs import render

    contract = load_contract(_array_contract(tmp_path, {"logicalType": "date"}, maxItems=4))
    page = render(contract, fmt)
    assert "list of date" in page and "0..4 items" in page
