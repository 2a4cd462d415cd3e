"""Checks compiled from a contract: row rules (pandera) and dataset rules (Great Expectations)."""

from accord.validation.dataset_rules import (
    DatasetMetrics,
    DatasetResult,
    DocsSite,
    ExpectationSpec,
    evaluate_metrics,
    run_dataset_rules,
    suite_spec,
    validate_metrics,
)
from accord.validation.row_rules import RowSchema, row_schema
from accord.validation.targets import ContractTargets, compile_contract

__all__ = ["ContractTargets", "DatasetMetrics", "DatasetResult", "DocsSite", "ExpectationSpec", "RowSchema",
           "compile_contract", "evaluate_metrics", "row_schema", "run_dataset_rules", "suite_spec", "validate_metrics"]
