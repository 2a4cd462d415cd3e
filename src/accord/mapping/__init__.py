"""Mappings: the agency-owned files that map an extract onto a contract."""

from accord.mapping.compile import MappedExtract, apply_mapping, missing_columns
from accord.mapping.loader import Mapping, load_mapping, load_mappings
from accord.mapping.spec import MappingSpec

__all__ = ["MappedExtract", "Mapping", "MappingSpec", "apply_mapping", "load_mapping", "load_mappings",
           "missing_columns"]
