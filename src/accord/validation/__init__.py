"""Checks compiled from a contract: row rules (pandera) and dataset rules (Great Expectations)."""

from accord.validation.dataset_rules import DatasetResult, run_dataset_rules, suite_spec
from accord.validation.row_rules import RowSchema, row_schema

__all__ = ["DatasetResult", "RowSchema", "row_schema", "run_dataset_rules", "suite_spec"]
