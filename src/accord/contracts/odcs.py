"""The ODCS JSON schema for a declared ``apiVersion``, and validation findings against it."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import jsonschema

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
    validator = jsonschema.Draft201909Validator(odcs_json_schema(api_version))
    findings = []
    for error in sorted(validator.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path]):
        parts: list[PathPart] = list(error.absolute_path)
        findings.append(Finding(str(doc.file), doc.line(parts), format_path(parts), error.message))
    return findings
