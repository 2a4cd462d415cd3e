"""The identity declaration of a contract: parsed, linted at its line, diffed as a change of identities."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from accord.contracts.diff import diff_contracts
from accord.contracts.loader import lint_contract, load_contract
from accord.errors import AccordError
from accord.identity.model import load_model, model_path
from tests.conftest import ROOT

PERSON = ROOT / "contracts" / "person" / "1.0.0.yaml"


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "contracts" / "person"
    folder.mkdir(parents=True)
    shutil.copytree(ROOT / "contracts" / "reference", tmp_path / "contracts" / "reference")
    text = PERSON.read_text(encoding="utf-8")
    assert old in text
    target = folder / "1.0.0.yaml"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


def _line(file: Path, text: str) -> int:
    return next(i for i, line in enumerate(file.read_text().splitlines(), 1) if text in line)


def test_the_person_contract_declares_rules_then_a_model(person):
    declared = person.identity
    assert [(r.name, r.fields) for r in declared.rules] == [
        ("same_sin", ("sin",)), ("same_name_and_birth_date", ("given_name", "family_name", "birth_date"))]
    assert [(c.method, c.fields) for c in declared.comparisons] == [
        ("personName", ("given_name", "family_name")), ("birthDate", ("birth_date",)), ("identifier", ("sin",)),
        ("postalCode", ("postal_code",)), ("exact", ("sex",))]
    assert (declared.match_at, declared.review_at, declared.retention_days) == (0.99, 0.5, 3650)
    assert declared.name_pair == ("given_name", "family_name")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("{name: same_sin, fields: [sin]}", "{name: same_sin, fields: [nas]}",
     "unknown field 'nas': not a property of this contract"),
    ("{name: same_sin, fields: [sin]}", "{name: same_sin, fields: [province]}",
     "field 'province' is classified public: only identifying fields (pii or restricted) may identify a person"),
    ("{name: same_sin, fields: [sin]}", "{name: same_sin, fields: [person_id]}",
     "field 'person_id' is the agency's own key: it does not identify a person across agencies"),
    ("{method: birthDate, fields: [birth_date]}", "{method: birthDate, fields: [family_name]}",
     "field 'family_name' is a string, this method compares date"),
    ("{method: exact, fields: [sex]}", "{method: soundex, fields: [sex]}",
     "method must be one of personName, name, birthDate, postalCode, identifier, exact, not 'soundex'"),
    ("reviewAt: 0.5", "reviewAt: 0.995", "reviewAt 0.995 is above matchAt 0.99"),
])
def test_lint_refuses_a_declaration_naming_unknown_or_non_identifying_fields(tmp_path, old, new, message):
    file = _edited(tmp_path, old, new)
    errors = [f for f in lint_contract(file) if f.severity == "error"]
    assert [f.message for f in errors] == [message]
    assert errors[0].line == _line(file, new.split(",")[0] if "reviewAt" not in new else "reviewAt")


def test_a_changed_declaration_is_a_major_change_a_longer_retention_a_minor_one(tmp_path, person):
    stricter = load_contract(_edited(tmp_path / "a", "matchAt: 0.99", "matchAt: 0.999"))
    changes = diff_contracts(person, stricter).changes
    assert [(c.kind, c.bump, c.message) for c in changes] == [
        ("identity-changed", "major",
         "identity declaration changed (match_at): the published identities may change")]
    kept_longer = load_contract(_edited(tmp_path / "b", "retentionDays: 3650", "retentionDays: 4000"))
    assert [(c.kind, c.bump) for c in diff_contracts(person, kept_longer).changes] == [
        ("identity-retention-changed", "minor")]


def test_a_model_file_for_another_declaration_is_refused_never_retrained(tmp_path):
    file = _edited(tmp_path, "matchAt: 0.99", "matchAt: 0.999")
    shutil.copyfile(model_path(load_contract(PERSON)), file.parent / "identity-model.v1.json")
    with pytest.raises(AccordError, match=r"this model was trained for another identity declaration than "
                                          r"1\.0\.0\.yaml's .*: run `accord identity train person --major 1`"):
        load_model(load_contract(file))
    (file.parent / "identity-model.v1.json").unlink()
    with pytest.raises(AccordError, match=r"no trained identity model for person v1\.0\.0"):
        load_model(load_contract(file))
