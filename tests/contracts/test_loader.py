from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from accord.contracts import ContractRegistry, lint_contract, load_contract
from accord.errors import ContractError
from tests.helpers import ROOT, person_contract_data, write_contract


def test_person_contract_loads_with_every_rule(person):
    assert person.id == "person" and person.version == "1.0.0" and person.major == 1
    assert person.api_version == "v3.2.0"
    assert person.field_names == [
        "person_id",
        "sin",
        "family_name",
        "given_name",
        "birth_date",
        "sex",
        "postal_code",
        "province",
        "preferred_language",
    ]
    assert person.primary_key == ["person_id"]
    sin = person.field("sin")
    assert (sin.required, sin.unique, sin.classification, sin.pattern) == (False, True, "pii", "^[0-9]{9}$")
    assert person.field("sex").enum == ("M", "F", "X")
    assert person.field("birth_date").minimum == dt.date(1900, 1, 1)
    assert person.field("family_name").max_length == 100
    assert person.field("sex").description_fr == "Sexe ou genre tel qu'inscrit (M, F ou X)."
    assert person.min_rows == 1
    assert person.max_null_percent == (("postal_code", 50.0),)


def test_decimal_precision_and_scale_come_from_physical_type(payment):
    amount = payment.field("amount")
    assert (amount.precision, amount.scale, amount.minimum) == (12, 2, Decimal("0"))
    assert amount.is_decimal


def test_registry_resolves_latest_minor_of_a_major(tmp_path, registry):
    data = person_contract_data()
    write_contract(tmp_path, data)
    data["version"] = "1.1.0"
    write_contract(tmp_path, data)
    assert ContractRegistry.load(tmp_path).resolve("person", 1).version == "1.1.0"


def test_registry_unknown_major_is_a_clear_error(registry):
    with pytest.raises(ContractError) as caught:
        registry.resolve("person", 3)
    assert caught.value.message == (
        "no contract 'person' with major version 3 (known: benefit_payment v1, person v1, person v2)"
    )


def test_registry_refuses_version_not_matching_file_name(tmp_path):
    write_contract(tmp_path, person_contract_data(), "2.0.0.yaml")
    with pytest.raises(ContractError, match=re.escape("version '1.0.0' does not match the file name '2.0.0.yaml'")):
        ContractRegistry.load(tmp_path)


def _broken(tmp_path: Path, edit) -> Path:
    data = person_contract_data()
    edit(data)
    return write_contract(tmp_path, data)


def _props(data):
    return data["schema"][0]["properties"]


def test_unknown_logical_type_names_file_line_and_path(tmp_path):
    file = _broken(tmp_path, lambda d: _props(d)[4].update(logicalType="datetime"))
    with pytest.raises(ContractError) as caught:
        load_contract(file)
    err = caught.value
    assert err.file == str(file)
    assert err.path == "schema[0].properties[4].logicalType"
    assert "'datetime' is not one of" in err.message
    line = file.read_text().splitlines()[err.line - 1]
    assert line.strip() == "logicalType: datetime"


def test_missing_required_top_level_field(tmp_path):
    file = _broken(tmp_path, lambda d: d.pop("id"))
    with pytest.raises(ContractError, match="'id' is a required property"):
        load_contract(file)


@pytest.mark.parametrize(
    ("edit", "path", "message"),
    [
        (
            lambda d: _props(d)[1]["logicalTypeOptions"].update(pattern="^[0-9{9}$"),
            "schema[0].properties[1].logicalTypeOptions.pattern",
            "pattern does not compile",
        ),
        (  # Python's re accepts it; the row-rule engine would refuse it on every file
            lambda d: _props(d)[1]["logicalTypeOptions"].update(pattern="^(?!000)[0-9]{9}$"),
            "schema[0].properties[1].logicalTypeOptions.pattern",
            "pattern does not compile in the row-rule engine (Rust regex, no look-around or back-references)",
        ),
        (
            lambda d: _props(d)[4].update(enum=[{"value": "x"}]),
            "schema[0].properties[4].enum",
            "a code list is only supported on string fields, not 'date'",
        ),
        (
            lambda d: _props(d)[2].update(name="person_id"),
            "schema[0].properties[2].name",
            "duplicate property 'person_id'",
        ),
        (
            lambda d: _props(d)[0].update(required=False),
            "schema[0].properties[0].primaryKey",
            "a primary key field must be required: true",
        ),
        (
            lambda d: _props(d)[5].update(classification="secret"),
            "schema[0].properties[5].classification",
            "classification must be one of public, restricted, pii",
        ),
        (lambda d: d.update(version="1.0"), "version", "version '1.0' is not MAJOR.MINOR.PATCH"),
    ],
)
def test_accord_rules(tmp_path, edit, path, message):
    findings = lint_contract(_broken(tmp_path, edit))
    assert [(f.path, f.message[: len(message)]) for f in findings] == [(path, message)]
    assert findings[0].line is not None


def test_duplicate_yaml_key_and_bad_yaml_give_line(tmp_path):
    file = tmp_path / "c.yaml"
    file.write_text("apiVersion: v3.2.0\nkind: DataContract\nkind: DataContract\n")
    [finding] = lint_contract(file)
    assert (finding.line, finding.path, finding.message) == (3, "kind", "duplicate key 'kind'")
    file.write_text("apiVersion: v3.2.0\nkind: [DataContract\n")
    [finding] = lint_contract(file)
    assert finding.line == 3 and finding.message.startswith("invalid YAML")


def test_an_unanchored_pattern_is_a_warning_and_the_contract_loads(tmp_path):
    file = _broken(tmp_path, lambda d: _props(d)[1]["logicalTypeOptions"].update(pattern="[0-9]{9}"))
    [finding] = lint_contract(file)
    assert (finding.severity, finding.path) == ("warning", "schema[0].properties[1].logicalTypeOptions.pattern")
    assert finding.message.startswith("pattern '[0-9]{9}' is not anchored: it is searched anywhere in the value")
    assert finding.line is not None
    assert load_contract(file).field("sin").pattern == "[0-9]{9}"


def test_shipped_contracts_lint_clean():
    for file in sorted((ROOT / "contracts").glob("*/*.yaml")):
        assert lint_contract(file) == [], file


def test_lint_line_points_at_the_offending_key(tmp_path):
    cases = [
        (lambda d: _props(d)[1]["logicalTypeOptions"].update(pattern="^[0-9{9}$"), "pattern:"),
        (lambda d: _props(d)[4].update(enum=[{"value": "x"}]), "enum:"),
        (lambda d: _props(d)[2].update(name="person_id"), "name: person_id"),
        (lambda d: _props(d)[0].update(required=False), "primaryKey: true"),
        (lambda d: (_props(d)[4].pop("logicalTypeOptions"), _props(d)[4].update(logicalType="object")),
         "logicalType: object"),
        (lambda d: _props(d)[4]["logicalTypeOptions"].update(minimum="yesterday"), "minimum: yesterday"),
    ]
    for i, (edit, text) in enumerate(cases):
        file = _broken(tmp_path / str(i), edit)
        [finding] = lint_contract(file)
        assert file.read_text().splitlines()[finding.line - 1].strip().lstrip("- ").startswith(text), finding


def test_api_version_selects_its_own_odcs_schema(tmp_path):
    data = person_contract_data()
    data["apiVersion"] = "v3.0.2"  # enum lists arrived in ODCS v3.2: a v3.0.2 contract cannot use them
    findings = lint_contract(write_contract(tmp_path / "a", data))
    enum_findings = [f for f in findings if "'enum' was unexpected" in f.message]
    assert [f.path for f in enum_findings] == ["schema[0].properties[5]", "schema[0].properties[8]"]
    data["apiVersion"] = "v4.0.0"
    [finding] = lint_contract(write_contract(tmp_path / "b", data))
    assert finding.message.startswith("unsupported apiVersion 'v4.0.0' (supported: v3.0.0, v3.0.1, v3.0.2, v3.1.0")


def test_v31_code_list_from_an_invalid_values_rule(tmp_path):
    data = person_contract_data()
    data["apiVersion"] = "v3.1.0"
    for prop in _props(data):
        for enum_prop in ("enum",):
            prop.pop(enum_prop, None)
        for custom in prop.get("customProperties", []):
            custom.pop("vendor", None)
    sex = next(p for p in _props(data) if p["name"] == "sex")
    sex["quality"] = [{"metric": "invalidValues", "arguments": {"validValues": ["M", "F"]}, "mustBe": 0}]
    contract = load_contract(write_contract(tmp_path, data))
    assert contract.field("sex").enum == ("M", "F")
    assert contract.field("preferred_language").enum is None


def test_reference_table_code_list_with_labels(person, tmp_path):
    province = person.field("province")
    assert len(province.codes) == 13
    assert (province.codes[9].value, province.codes[9].label_en, province.codes[9].label_fr) == (
        "PE",
        "Prince Edward Island",
        "Île-du-Prince-Édouard",
    )
    data = person_contract_data()
    _props(data)[7]["customProperties"][1]["value"] = "reference/nowhere.csv"
    [finding] = lint_contract(write_contract(tmp_path, data))
    assert (finding.path, finding.message) == (
        "schema[0].properties[7]",
        "code list file 'reference/nowhere.csv' not found",
    )
    _props(data)[7]["customProperties"][1]["value"] = "../../etc/passwd"
    [finding] = lint_contract(write_contract(tmp_path, data))
    assert finding.message == "code list '../../etc/passwd' is outside the contracts folder"


def test_string_formats_and_units(tmp_path):
    def edit(data):
        _props(data)[3]["logicalTypeOptions"] = {"format": "email"}
        _props(data)[2]["logicalTypeOptions"] = {"format": "hostname"}
        _props(data)[7].setdefault("customProperties", []).append({"property": "unit", "value": "km"})

    file = _broken(tmp_path, edit)
    [finding] = lint_contract(file)
    assert (finding.severity, finding.path, finding.message) == (
        "warning", "schema[0].properties[2].logicalTypeOptions.format",
        "format 'hostname' is not checked by accord (it checks email, uri, uuid); add a pattern to check it")
    contract = load_contract(file)
    fields = contract.fields
    assert (fields[3].format, fields[2].format, fields[7].unit) == ("email", None, "km")
    from accord.contracts.docs import render

    page = render(contract, "md")
    assert "format email" in page and "string (in km)" in page


def test_a_contract_known_valid_is_not_validated_again_and_findings_are_never_cached(tmp_path, monkeypatch):
    import jsonschema

    from accord.contracts.odcs import schema_findings
    from accord.yamlfile import load_yaml
    from tests.helpers import person_contract_data, write_contract

    cache = tmp_path / "cache"
    monkeypatch.setenv("ACCORD_CACHE_DIR", str(cache))
    file = write_contract(tmp_path / "contracts", person_contract_data())
    doc = load_yaml(file, ContractError)
    assert schema_findings(doc) == []
    assert len(list((cache / "odcs-valid").iterdir())) == 1
    calls = []
    monkeypatch.setattr(jsonschema, "Draft201909Validator", lambda *a: calls.append(a))
    assert schema_findings(doc) == [] and calls == []  # the marker answered
    monkeypatch.undo()
    monkeypatch.setenv("ACCORD_CACHE_DIR", str(cache))
    broken = person_contract_data()
    broken["version"] = 12
    bad = load_yaml(write_contract(tmp_path / "other", broken), ContractError)
    first, second = schema_findings(bad), schema_findings(bad)
    assert first == second and [f.path for f in first] == ["version"]
    assert len(list((cache / "odcs-valid").iterdir())) == 1
