"""Contracts: load and lint ODCS v3 files, resolve versions, map logical types to physical ones."""

from accord.contracts.loader import lint_contract, load_contract
from accord.contracts.model import Contract, Field
from accord.contracts.registry import ContractRegistry
from accord.findings import Finding

__all__ = ["Contract", "ContractRegistry", "Field", "Finding", "lint_contract", "load_contract"]
