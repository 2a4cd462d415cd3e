"""One compiler, three targets: the Arrow schema (Parquet), the pandera schema (row rules) and the Great
Expectations suite (dataset rules), all from the same ``Contract`` object. (The pandera schema is the row
rules' ``schema``, built on demand.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accord.contracts.model import Contract
from accord.contracts.types import arrow_schema
from accord.validation.dataset_rules import ExpectationSpec, suite_spec
from accord.validation.row_rules import RowSchema, row_schema

if TYPE_CHECKING:
    import pyarrow as pa


@dataclass(frozen=True)
class ContractTargets:
    arrow: pa.Schema
    rows: RowSchema
    dataset: list[ExpectationSpec]


def compile_contract(contract: Contract) -> ContractTargets:
    return ContractTargets(arrow=arrow_schema(contract), rows=row_schema(contract), dataset=suite_spec(contract))
