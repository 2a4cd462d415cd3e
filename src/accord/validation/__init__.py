"""Checks compiled from a contract: row rules (pandera) and dataset rules (Great Expectations)."""

from accord.validation.dataset_rules import DatasetResult, ExpectationSpec, run_dataset_rules, suite_spec
from accord.validation.row_rules import RowSchema, row_schema
from accord.validation.targets import ContractTargets, compile_contract

__all__ = ["ContractTargets", "DatasetResult", "ExpectationSpec", "RowSchema", "compile_contract", "row_schema",
           "run_dataset_rules", "suite_spec"]
