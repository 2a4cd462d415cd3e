"""Load a mapping file (``mappings/<agency>/<contract>.yaml``) and check it against its contract."""

from __future__ import annotations

import contextlib
import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from accord.contracts import Contract, ContractRegistry
from accord.errors import MappingError
from accord.mapping.lint import lint_document
from accord.mapping.spec import MappingSpec
from accord.yamlfile import YamlDocument, format_path, load_yaml


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

    @property
    def field_sources(self) -> dict[str, str]:
        """Contract field -> the agency column(s) it is read from, as shown in error reports."""
        return {name: " + ".join(spec.source_columns) for name, spec in self.spec.fields.items()}


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
    """Load ``file`` and check it against its contract; ``MappingError`` names the first problem's file, line
    and path (``accord mapping lint`` lists them all)."""
    doc = load_yaml(file, MappingError)
    findings, spec, contract = lint_document(doc, contracts)
    if findings or spec is None or contract is None:
        first = findings[0] if findings else None
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        raise MappingError((first.message if first else "unusable mapping") + more, file=file,
                           line=first.line if first else None, path=first.path if first else "")
    spec = _resolve_code_files(spec, doc)
    return Mapping(spec=spec, contract=contract, file=file, sha256=hashlib.sha256(file.read_bytes()).hexdigest())


def load_mappings(directory: Path, contracts: ContractRegistry) -> list[Mapping]:
    """Every ``<agency>/<contract>.yaml`` under ``directory``, sorted by agency then contract; the first broken
    one raises (for tests and tools; a pipeline uses ``scan_mappings``)."""
    return [load_mapping(f, contracts) for f in sorted(directory.glob("*/*.yaml"))]


@dataclass(frozen=True)
class MappingSet:
    """The mappings that load, and per agency folder the problems of those that do not: mappings are written
    by agencies, and one agency's broken mapping must not stop the others."""

    mappings: list[Mapping]
    broken: dict[str, list[MappingError]]

    @property
    def problems(self) -> dict[str, str]:
        """Agency -> what is wrong with its mappings."""
        return {agency: "; ".join(e.describe() for e in errors) for agency, errors in self.broken.items()}


def scan_mappings(directory: Path, contracts: ContractRegistry) -> MappingSet:
    mappings: list[Mapping] = []
    broken: dict[str, list[MappingError]] = {}
    for file in sorted(directory.glob("*/*.yaml")):
        try:
            mappings.append(load_mapping(file, contracts))
        except MappingError as exc:
            broken.setdefault(file.parent.name, []).append(exc)
        except Exception as exc:  # whatever a hostile file makes a library raise, it is that file's problem
            broken.setdefault(file.parent.name, []).append(
                MappingError(f"cannot be loaded ({type(exc).__name__}: {exc})", file=file))
    return MappingSet(mappings, broken)


def _fingerprint(*directories: Path) -> tuple[tuple[str, int, int], ...]:
    found = []
    for directory in directories:
        for path in sorted(directory.rglob("*")):
            with contextlib.suppress(OSError):
                stat = path.stat()
                found.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(found)


_SCANS: dict[tuple[Path, Path], tuple[tuple[tuple[str, int, int], ...], MappingSet]] = {}


def current_mappings(contracts_dir: Path, mappings_dir: Path) -> MappingSet:
    """``scan_mappings`` of the files as they are now, loaded again only when a file under either folder was
    added, removed or changed (name, size, mtime): cheap enough for every sensor tick and every run."""
    fingerprint = _fingerprint(contracts_dir, mappings_dir)
    cached = _SCANS.get((contracts_dir, mappings_dir))
    if cached is None or cached[0] != fingerprint:
        cached = (fingerprint, scan_mappings(mappings_dir, ContractRegistry.load(contracts_dir)))
        _SCANS[(contracts_dir, mappings_dir)] = cached
    return cached[1]
