"""A rule added to a contract file reaches Arrow, pandera and Great Expectations with no other edit; every
shipped contract compiles and its sample data passes the compiled checks."""

from __future__ import annotations

import pyarrow as pa
import pytest

from accord.contracts import load_contract
from accord.process import process_extract
from accord.validation import compile_contract, run_dataset_rules
from tests.conftest import ROOT, SAMPLES
from tests.helpers import person_contract_data, write_contract


def _postal(targets):
    arrow = targets.arrow.field("postal_code")
    column = targets.rows.schema.columns["postal_code"]
    expectations = [(s.check, s.max_value) for s in targets.dataset if s.field == "postal_code"]
    return arrow, column, expectations


def test_required_added_to_the_contract_reaches_all_three_targets(tmp_path):
    data = person_contract_data()
    before = _postal(compile_contract(load_contract(write_contract(tmp_path / "a", data))))
    data["schema"][0]["properties"][6]["required"] = True
    after = _postal(compile_contract(load_contract(write_contract(tmp_path / "b", data))))
    assert (before[0].nullable, before[1].nullable) == (True, True)
    assert (after[0].nullable, after[1].nullable) == (False, False)
    assert ("null_percent", 50.0) in before[2] and ("nulls", 0) not in before[2]
    assert ("nulls", 0) in after[2]


def test_decimal_type_and_bounds_reach_all_three_targets(tmp_path):
    data = person_contract_data()
    data["schema"][0]["properties"].append(
        {
            "name": "income",
            "logicalType": "number",
            "physicalType": "decimal(10,2)",
            "logicalTypeOptions": {"minimum": 0, "maximum": 500000},
        }
    )
    targets = compile_contract(load_contract(write_contract(tmp_path, data)))
    assert targets.arrow.field("income").type == pa.decimal128(10, 2)
    assert str(targets.rows.schema.columns["income"].dtype) == "Decimal(precision=10, scale=2)"
    assert [r.rule for r in targets.rows.rules["income"]] == ["minimum", "maximum"]
    assert [(s.check, s.max_value) for s in targets.dataset if s.field == "income"] == [
        ("below_minimum", 0), ("above_maximum", 0)]


@pytest.mark.parametrize(
    "name", ["rrn/person", "nho/person", "cba/person", "rrn/benefit_payment", "cba/benefit_payment"]
)
def test_shipped_contracts_compile_and_validate_their_sample_data(mappings, name, tmp_path):
    mapping = mappings[name]
    contract = load_contract(mapping.contract.file)
    targets = compile_contract(contract)
    file = sorted(f for f in (SAMPLES / mapping.agency).iterdir() if f.match(mapping.spec.source.pattern))[0]
    outcome = process_extract(file, mapping, targets.rows)
    clean = outcome.published.select(contract.field_names)
    assert targets.rows.check(outcome.published).is_empty()
    assert clean.to_arrow().cast(targets.arrow).schema == targets.arrow
    result = run_dataset_rules(contract, name.replace("/", "."), clean, tmp_path / "docs")
    assert result.success, result.failed
    assert len(result.outcomes) == len(targets.dataset)


def test_every_shipped_contract_compiles():
    for file in sorted((ROOT / "contracts").glob("*/*.yaml")):
        targets = compile_contract(load_contract(file))
        assert targets.arrow.names == list(targets.rows.rules)
