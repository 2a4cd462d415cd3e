"""Load a mapping file (``mappings/<agency>/<contract>.yaml``) and check it against its contract."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from accord.contracts import Contract, ContractRegistry
from accord.errors import ContractError, MappingError
from accord.mapping.spec import MappingSpec
from accord.yamlfile import PathPart, YamlDocument, format_path, load_yaml

_PARSE_STEP_TYPES = {"date": ("date", "timestamp"), "number": ("number", "integer")}


@dataclass(frozen=True)
class Mapping:
    """A loaded mapping: its spec, the contract it targets, and where it came from."""

    spec: MappingSpec
    contract: Contract
    file: Path
    sha256: str

    @property
    def agency(self) -> str:
        return self.spec.agency

    @property
    def name(self) -> str:
        return f"{self.spec.agency}/{self.spec.contract}"


def _parse_spec(doc: YamlDocument) -> MappingSpec:
    try:
        return MappingSpec.model_validate(doc.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        parts: list[PathPart] = [p for p in first["loc"] if isinstance(p, str | int)]
        parts = ["from" if p == "from_" else p for p in parts]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        message = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
        raise MappingError(message + more, file=doc.file, line=doc.line(parts), path=format_path(parts)) from None


def _check_against_contract(spec: MappingSpec, contract: Contract, doc: YamlDocument) -> None:
    known = set(contract.field_names)
    for name, field_spec in spec.fields.items():
        where = ("fields", name)
        if name not in known:
            raise MappingError(f"'{name}' is not a field of contract {contract.label}",
                               file=doc.file, line=doc.line(where), path=format_path(where))
        logical = contract.field(name).logical_type
        for step, types in _PARSE_STEP_TYPES.items():
            if getattr(field_spec, step) is not None and logical not in types:
                raise MappingError(f"'{step}' cannot produce the {logical} field '{name}'",
                                   file=doc.file, line=doc.line((*where, step)), path=format_path((*where, step)))
    missing = [f.name for f in contract.fields if f.required and f.name not in spec.fields]
    if missing:
        raise MappingError(f"required contract fields not produced: {', '.join(missing)}",
                           file=doc.file, line=doc.line(("fields",)), path="fields")


def _resolve_code_files(spec: MappingSpec, doc: YamlDocument) -> MappingSpec:
    """Replace ``codes.file`` (a CSV beside the mapping, columns ``from`` and ``to``) by its map."""
    fields = dict(spec.fields)
    for name, field_spec in spec.fields.items():
        codes = field_spec.codes
        if codes is None or codes.file is None:
            continue
        where = ("fields", name, "codes", "file")
        path = (doc.file.parent / codes.file).resolve()
        if not path.is_relative_to(doc.file.parent.resolve()):
            raise MappingError(f"code file {codes.file!r} is outside the mapping's folder", file=doc.file,
                               line=doc.line(where), path=format_path(where))
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except FileNotFoundError:
            raise MappingError(f"code file {codes.file!r} not found", file=doc.file, line=doc.line(where),
                               path=format_path(where)) from None
        if not rows or not {"from", "to"} <= set(rows[0]):
            raise MappingError(f"code file {codes.file!r} needs columns 'from' and 'to'", file=doc.file,
                               line=doc.line(where), path=format_path(where))
        resolved = codes.model_copy(update={"map": {r["from"]: r["to"] for r in rows}, "file": None})
        fields[name] = field_spec.model_copy(update={"codes": resolved})
    return spec.model_copy(update={"fields": fields})


def load_mapping(file: Path, contracts: ContractRegistry) -> Mapping:
    """Load ``file``, resolve its contract version and check the two agree. Raises ``MappingError``."""
    doc = load_yaml(file, MappingError)
    if not isinstance(doc.data, dict):
        raise MappingError("a mapping must be a YAML mapping", file=file, line=1)
    spec = _resolve_code_files(_parse_spec(doc), doc)
    if spec.agency != file.parent.name:
        raise MappingError(f"agency '{spec.agency}' does not match the folder '{file.parent.name}'",
                           file=file, line=doc.line(("agency",)), path="agency")
    try:
        contract = contracts.resolve(spec.contract, spec.contract_version)
    except ContractError as exc:
        raise MappingError(exc.message, file=file, line=doc.line(("contract",)), path="contract") from None
    _check_against_contract(spec, contract, doc)
    return Mapping(spec=spec, contract=contract, file=file, sha256=hashlib.sha256(file.read_bytes()).hexdigest())


def load_mappings(directory: Path, contracts: ContractRegistry) -> list[Mapping]:
    """Every ``<agency>/<contract>.yaml`` under ``directory``, sorted by agency then contract."""
    return [load_mapping(f, contracts) for f in sorted(directory.glob("*/*.yaml"))]
