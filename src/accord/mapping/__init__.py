"""Mappings: the agency-owned files that map an extract onto a contract."""

from accord.mapping.compile import MappedExtract, apply_mapping
from accord.mapping.header import (
    absent_columns,
    absent_notes,
    extra_columns,
    misordered_column,
    missing_columns,
    similar_columns,
)
from accord.mapping.loader import (
    Mapping,
    MappingSet,
    current_mappings,
    load_mapping,
    load_mapping_file,
    load_mappings,
    scan_mappings,
)
from accord.mapping.spec import MappingSpec

__all__ = ["MappedExtract", "Mapping", "MappingSet", "MappingSpec", "absent_columns", "absent_notes", "apply_mapping",
           "current_mappings",
           "extra_columns", "load_mapping", "load_mapping_file", "load_mappings", "misordered_column",
           "missing_columns", "scan_mappings", "similar_columns"]
