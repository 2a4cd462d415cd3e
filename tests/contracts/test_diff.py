"""Every diff class, each from a pair of contract files (the shipped person 1.0.0 and an edited copy)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from accord.cli import app
from accord.contracts import load_contract
from accord.contracts.diff import diff_contracts
from tests.conftest import ROOT
from tests.helpers import person_contract_data, write_contract


def _prop(data, name):
    return next(p for p in data["schema"][0]["properties"] if p["name"] == name)


def _pair(tmp_path, edit: Callable[[dict], None], version: str = "9.0.0"):
    old = person_contract_data()
    new = person_contract_data()
    edit(new)
    new["version"] = version
    old_file = write_contract(tmp_path / "old", old)
    new_file = write_contract(tmp_path / "new", new)
    return old_file, new_file


CASES = [
    ("field removed", lambda d: d["schema"][0]["properties"].pop(8), ("field-removed", "preferred_language", "major")),
    ("field renamed", lambda d: _prop(d, "sex").update(name="gender"), ("field-renamed", "gender", "major")),
    (
        "type changed",
        lambda d: _prop(d, "birth_date").update(logicalType="string", physicalType="string", logicalTypeOptions={}),
        [
            ("type-changed", "birth_date", "major"),
            ("minimum-removed", "birth_date", "minor"),
            ("maximum-removed", "birth_date", "minor"),
        ],
    ),
    (
        "optional -> required",
        lambda d: _prop(d, "postal_code").update(required=True),
        ("field-made-required", "postal_code", "major"),
    ),
    (
        "required -> optional",
        lambda d: _prop(d, "given_name").update(required=False),
        ("field-made-optional", "given_name", "major"),
    ),
    ("enum value removed", lambda d: _prop(d, "sex")["enum"].pop(2), ("code-removed", "sex", "major")),
    ("enum value added", lambda d: _prop(d, "sex")["enum"].append({"value": "U"}), ("code-added", "sex", "minor")),
    (
        "pattern tightened",
        lambda d: _prop(d, "sin")["logicalTypeOptions"].update(pattern="^[1-9][0-9]{8}$"),
        ("pattern-changed", "sin", "major"),
    ),
    (
        "pattern added",
        lambda d: _prop(d, "family_name")["logicalTypeOptions"].update(pattern="^[A-Z]"),
        ("pattern-added", "family_name", "major"),
    ),
    (
        "format added",
        lambda d: _prop(d, "given_name")["logicalTypeOptions"].update(format="email"),
        ("format-added", "given_name", "major"),
    ),
    (
        "foreign key added, quarantine",
        lambda d: _prop(d, "postal_code").update(relationships=[{"type": "foreignKey", "to": "address.code",
            "customProperties": [{"property": "onOrphan", "value": "quarantine"}]}]),
        ("foreign-key-added", "postal_code", "major"),
    ),
    (
        "foreign key added, warn",
        lambda d: _prop(d, "postal_code").update(relationships=[{"type": "foreignKey", "to": "address.code"}]),
        ("foreign-key-added", "postal_code", "minor"),
    ),
    (
        "pattern removed",
        lambda d: _prop(d, "sin")["logicalTypeOptions"].pop("pattern"),
        ("pattern-removed", "sin", "minor"),
    ),
    (
        "optional field added",
        lambda d: d["schema"][0]["properties"].append(
            {"name": "email", "logicalType": "string", "classification": "pii"}
        ),
        ("optional-field-added", "email", "minor"),
    ),
    (
        "required field added",
        lambda d: d["schema"][0]["properties"].append({"name": "email", "logicalType": "string", "required": True}),
        ("required-field-added", "email", "major"),
    ),
    (
        "description changed",
        lambda d: _prop(d, "sex").update(description="Sex."),
        ("description-changed", "sex", "patch"),
    ),
    (
        "minimum tightened",
        lambda d: _prop(d, "birth_date")["logicalTypeOptions"].update(minimum="1910-01-01"),
        ("minimum-tightened", "birth_date", "major"),
    ),
    (
        "minimum relaxed",
        lambda d: _prop(d, "birth_date")["logicalTypeOptions"].update(minimum="1890-01-01"),
        ("minimum-relaxed", "birth_date", "minor"),
    ),
    (
        "max length tightened",
        lambda d: _prop(d, "family_name")["logicalTypeOptions"].update(maxLength=50),
        ("max-length-tightened", "family_name", "major"),
    ),
    ("unique added", lambda d: _prop(d, "family_name").update(unique=True), ("unique-added", "family_name", "major")),
    (
        "classification",
        lambda d: _prop(d, "province").update(classification="pii"),
        ("classification-changed", "province", "major"),
    ),
    (
        "completeness tightened",
        lambda d: _prop(d, "postal_code")["quality"][0].update(mustBeLessOrEqualTo=10),
        ("null-percent-limit-tightened", "postal_code", "major"),
    ),
]


@pytest.mark.parametrize(("title", "edit", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_change_class(tmp_path, title, edit, expected):
    old_file, new_file = _pair(tmp_path, edit)
    result = diff_contracts(load_contract(old_file), load_contract(new_file))
    expected = expected if isinstance(expected, list) else [expected]
    assert [(c.kind, c.field, c.bump) for c in result.changes] == expected


def test_decimal_precision_widened_and_narrowed(tmp_path):
    def amount(precision):
        return lambda d: d["schema"][0]["properties"].append(
            {"name": "amount", "logicalType": "number", "physicalType": f"decimal({precision},2)"}
        )

    base = person_contract_data()
    amount(12)(base)
    for precision, kind, bump in ((14, "type-widened", "minor"), (10, "type-narrowed", "major")):
        new = person_contract_data()
        amount(precision)(new)
        new["version"] = "9.0.0"
        old = load_contract(write_contract(tmp_path / f"old{precision}", base))
        result = diff_contracts(old, load_contract(write_contract(tmp_path / f"new{precision}", new)))
        assert [(c.kind, c.bump) for c in result.changes] == [(kind, bump)]


@pytest.mark.parametrize(
    ("edit", "version", "required", "actual", "ok"),
    [
        (lambda d: _prop(d, "sex")["enum"].pop(2), "1.1.0", "major", "minor", False),
        (lambda d: _prop(d, "sex")["enum"].pop(2), "2.0.0", "major", "major", True),
        (lambda d: _prop(d, "sex")["enum"].append({"value": "U"}), "1.0.1", "minor", "patch", False),
        (lambda d: _prop(d, "sex")["enum"].append({"value": "U"}), "1.1.0", "minor", "minor", True),
        (lambda d: _prop(d, "sex").update(description="Sex."), "1.0.0", "patch", "none", False),
        (lambda d: None, "1.0.0", "none", "none", True),
        (lambda d: None, "0.9.0", "none", "downgrade", False),
    ],
)
def test_version_bump_rules(tmp_path, edit, version, required, actual, ok):
    old_file, new_file = _pair(tmp_path, edit, version)
    result = diff_contracts(load_contract(old_file), load_contract(new_file))
    assert (result.required_bump, result.actual_bump, result.ok) == (required, actual, ok)


def test_cli_diff_human_json_and_exit_codes(tmp_path):
    runner = CliRunner()
    shipped = runner.invoke(
        app, ["contract", "diff", str(ROOT / "contracts/person/1.0.0.yaml"), str(ROOT / "contracts/person/2.0.0.yaml")]
    )
    assert shipped.exit_code == 0, shipped.output
    assert "BREAKING  field-renamed            sex renamed to gender" in shipped.output
    assert "version bump: major (required: major) ok" in shipped.output
    old_file, new_file = _pair(tmp_path, lambda d: _prop(d, "sex")["enum"].pop(2), "1.1.0")
    result = runner.invoke(app, ["contract", "diff", str(old_file), str(new_file), "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["changes"] == [
        {"kind": "code-removed", "field": "sex", "bump": "major", "message": "sex: codes removed: X", "breaking": True}
    ]
    assert (payload["required_bump"], payload["actual_bump"], payload["ok"]) == ("major", "minor", False)
