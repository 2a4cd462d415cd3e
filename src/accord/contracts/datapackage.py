"""A Frictionless (tabular) Data Package to contracts: one ODCS contract per resource (``accord.contracts.
tableschema`` reads each resource's schema), its ``foreignKeys`` as relationships between those contracts
(checked when the integrated datasets are built), and one delivery mapping (version 2) for agencies that send
the package's files together in a zip, each file read by its resource's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from accord.contracts.tableschema import CONTRACT_ID, Imported, from_tableschema

_KNOWN_RESOURCE_KEYS = {"name", "path", "schema", "format", "mediatype", "profile", "description", "title",
                        "encoding", "dialect"}


@dataclass
class ImportedPackage:
    contracts: dict[str, dict[str, Any]]  # contract id -> ODCS document
    mapping: dict[str, Any]  # the delivery mapping reading every resource
    not_imported: list[str] = field(default_factory=list)


def _source(resource: dict[str, Any], imported: Imported) -> dict[str, Any]:
    """How the delivery reads the resource's file: its name in the zip, the resource's CSV dialect."""
    source = dict(imported.mapping["source"])
    source["pattern"] = PurePosixPath(str(resource["path"])).name
    dialect = resource.get("dialect")
    dialect = dialect if isinstance(dialect, dict) else {}
    if "delimiter" in dialect:
        source["delimiter"] = str(dialect["delimiter"])
    if resource.get("encoding"):
        source["encoding"] = str(resource["encoding"])
    return source


def from_datapackage(descriptor: dict[str, Any], *, version: str = "1.0.0", agency: str = "agency",
                     ) -> ImportedPackage:
    """The contracts of every tabular resource, the delivery mapping for ``agency`` and what was not imported
    (named per resource). A resource whose name is not a contract id, or without an inline schema, is reported
    and left out."""
    skipped: list[str] = []
    contracts: dict[str, dict[str, Any]] = {}
    files: dict[str, dict[str, Any]] = {}
    targets: list[dict[str, Any]] = []
    for resource in descriptor.get("resources") or []:
        name = str(resource.get("name", ""))
        schema = resource.get("schema")
        if not re.match(CONTRACT_ID, name) or not isinstance(schema, dict) or not resource.get("path"):
            why = "not a contract id" if not re.match(CONTRACT_ID, name) else "no inline schema or no path"
            skipped.append(f"resource {name!r}: {why} (not imported)")
            continue
        described = {**schema, "title": resource.get("title") or name,
                     "description": resource.get("description") or schema.get("description") or name}
        imported = from_tableschema(described, contract_id=name, version=version, agency=agency)
        contracts[name] = imported.contract
        skipped += [f"resource {name!r}: {item}" for item in imported.not_imported]
        skipped += [f"resource {name!r}: property {k!r}" for k in resource if k not in _KNOWN_RESOURCE_KEYS]
        files[name] = _source(resource, imported)
        [target] = imported.mapping["targets"]
        targets.append({**target, "file": name})
    package = re.sub(r"[^a-z0-9_]+", "_", str(descriptor.get("name") or "package").lower()).strip("_") or "package"
    mapping = {"mapping_version": 2, "agency": agency,
               "delivery": {"pattern": f"{package}-*.zip", "files": files}, "targets": targets}
    return ImportedPackage(contracts, mapping, skipped)
