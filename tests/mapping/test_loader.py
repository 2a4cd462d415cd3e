from __future__ import annotations

import re
from pathlib import Path

import pytest

from accord.errors import MappingError
from accord.mapping import load_mapping
from tests.helpers import ROOT


def _write(tmp_path: Path, text: str, agency: str = "rrn") -> Path:
    file = tmp_path / agency / "person.yaml"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    return file


GOOD = (ROOT / "mappings" / "rrn" / "person.yaml").read_text(encoding="utf-8")


def _line_of(file: Path, line: int) -> str:
    return file.read_text(encoding="utf-8").splitlines()[line - 1].strip()


def test_shipped_mappings_load(mappings):
    assert sorted(mappings) == ["cba/benefit_payment", "cba/person", "msa/benefit_payment", "msa/person", "nho/person",
                                "rrn/benefit_payment", "rrn/person"]
    rrn = mappings["rrn/person"]
    assert rrn.contract.label == "person v1.0.0"
    assert rrn.spec.source.encoding == "cp1252" and rrn.spec.source.delimiter == ";"
    assert len(rrn.sha256) == 64


def test_typo_in_a_key_names_its_line(tmp_path, registry):
    file = _write(tmp_path, GOOD.replace("    case: upper\n", "    cas: upper\n", 1))
    with pytest.raises(MappingError) as caught:
        load_mapping(file, registry)
    assert caught.value.message == "unknown key 'cas'"
    assert caught.value.path == "fields.postal_code.cas"
    assert _line_of(file, caught.value.line) == "cas: upper"


def test_unknown_target_field(tmp_path, registry):
    file = _write(tmp_path, GOOD.replace("  sin:\n", "  nas:\n"))
    with pytest.raises(MappingError, match=re.escape("'nas' is not a field of contract person v1.0.0")) as caught:
        load_mapping(file, registry)
    assert _line_of(file, caught.value.line) == "nas:"


def test_required_field_not_produced(tmp_path, registry):
    text = GOOD.replace("  family_name:\n    from: NOM\n", "")
    with pytest.raises(MappingError, match="required contract fields not produced: family_name"):
        load_mapping(_write(tmp_path, text), registry)


def test_parse_step_that_cannot_produce_the_target_type(tmp_path, registry):
    text = GOOD.replace("  sin:\n    from: NAS\n", "  sin:\n    from: NAS\n    date:\n      formats: ['%Y']\n")
    with pytest.raises(MappingError, match="'date' cannot produce the string field 'sin'") as caught:
        load_mapping(_write(tmp_path, text), registry)
    assert caught.value.path == "fields.sin.date"


def test_contract_version_that_does_not_exist(tmp_path, registry):
    file = _write(tmp_path, GOOD.replace("contract_version: 1", "contract_version: 3"))
    with pytest.raises(MappingError, match="no contract 'person' with major version 3") as caught:
        load_mapping(file, registry)
    assert _line_of(file, caught.value.line) == "contract: person"


def test_agency_must_match_its_folder(tmp_path, registry):
    with pytest.raises(MappingError, match="agency 'rrn' does not match the folder 'nho'"):
        load_mapping(_write(tmp_path, GOOD, agency="nho"), registry)


def test_yaml_tags_are_refused(tmp_path, registry):
    text = GOOD.replace("agency: rrn", "agency: !!python/object/apply:os.system ['echo hacked']")
    with pytest.raises(MappingError, match="invalid YAML"):
        load_mapping(_write(tmp_path, text), registry)
