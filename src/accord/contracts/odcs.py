"""The ODCS JSON schema for a declared ``apiVersion``, and validation findings against it."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from accord.findings import Finding
from accord.yamlfile import PathPart, YamlDocument, format_path

# apiVersion -> where its JSON schema comes from (see odcs_schemas/README.md)
SCHEMA_SOURCES = {
    "v3.0.0": ("accord.contracts.odcs_schemas", "odcs-v3.0.json"),
    "v3.0.1": ("accord.contracts.odcs_schemas", "odcs-v3.0.json"),
    "v3.0.2": ("accord.contracts.odcs_schemas", "odcs-v3.0.json"),
    "v3.1.0": ("accord.contracts.odcs_schemas", "odcs-v3.1.json"),
    "v3.2.0": ("open_data_contract_standard", "schema.json"),
}


@functools.cache
def odcs_json_schema(api_version: str) -> dict[str, Any]:
    package, name = SCHEMA_SOURCES[api_version]
    schema: dict[str, Any] = json.loads(resources.files(package).joinpath(name).read_text("utf-8"))
    return schema


def schema_findings(doc: YamlDocument) -> list[Finding]:
    """Findings of the JSON schema of the contract's declared ``apiVersion``."""
    api_version = doc.data.get("apiVersion")
    if api_version not in SCHEMA_SOURCES:
        supported = ", ".join(SCHEMA_SOURCES)
        return [Finding(str(doc.file), doc.line(["apiVersion"]), "apiVersion",
                        f"unsupported apiVersion {api_version!r} (supported: {supported})")]
    marker = _valid_marker(api_version, doc.data)
    if marker is not None and marker.exists():
        return []
    import jsonschema  # 0.05 s to import, 0.05 s a contract to validate: skipped for a contract known valid

    validator = jsonschema.Draft201909Validator(odcs_json_schema(api_version))
    findings = []
    for error in sorted(validator.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path]):
        parts: list[PathPart] = list(error.absolute_path)
        findings.append(Finding(str(doc.file), doc.line(parts), format_path(parts), error.message))
    if not findings and marker is not None:
        with contextlib.suppress(OSError):  # a cache that cannot be written is only slower
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
    return findings


@functools.cache
def _schema_digest(api_version: str) -> bytes:
    return hashlib.sha256(json.dumps(odcs_json_schema(api_version), sort_keys=True).encode()).digest()


def _valid_marker(api_version: str, data: Any) -> Path | None:
    """Where the cache marks a contract document valid against its JSON schema: named by the hash of the
    schema and of the document, in the user's cache folder ($XDG_CACHE_HOME/accord/odcs-valid, or
    $ACCORD_CACHE_DIR; empty disables it). Only valid documents are marked; findings are always recomputed."""
    base = os.environ.get("ACCORD_CACHE_DIR")
    if base is None:
        base = str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "accord")
    if not base:
        return None
    try:
        text = json.dumps(data, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return None
    key = hashlib.sha256(_schema_digest(api_version) + text.encode()).hexdigest()
    return Path(base) / "odcs-valid" / key
