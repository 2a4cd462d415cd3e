"""Load a mapping file (``mappings/<agency>/<name>.yaml``) and check it against its contracts: one ``Mapping``
per target (a version 1 file has one)."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from accord.contracts import Contract, ContractRegistry
from accord.contracts.codelists import reference_table
from accord.contracts.lifecycle import produced
from accord.contracts.loader import contracts_root
from accord.errors import MappingError
from accord.findings import Finding
from accord.mapping.code_files import read_code_file
from accord.mapping.lint import lint_document
from accord.mapping.spec import MappingFile, MappingSpec
from accord.mapping.spec_v1 import MappingSpecV1, upgrade
from accord.mapping.steps import CodesSpec, LookupSpec
from accord.yamlfile import PathPart, YamlDocument, load_yaml


@dataclass(frozen=True)
class Mapping:
    """A loaded mapping: its spec, the contract it targets, and where it came from. A file that targets one
    contract several times gives one ``Mapping`` whose ``branches`` are the other targets: each source record
    makes the records of every target, united (``specs``)."""

    spec: MappingSpec
    contract: Contract
    file: Path
    sha256: str
    branches: tuple[MappingSpec, ...] = ()

    @property
    def specs(self) -> tuple[MappingSpec, ...]:
        """Every target of the contract in the file, in order."""
        return (self.spec, *self.branches)

    def branch(self, spec: MappingSpec) -> Mapping:
        """This mapping with one of its targets alone."""
        return replace(self, spec=spec, branches=())

    @property
    def agency(self) -> str:
        return self.spec.agency

    @property
    def name(self) -> str:
        return f"{self.spec.agency}/{self.spec.contract}"

    @property
    def examples(self) -> dict[str, str]:
        """Contract field -> its first example (the contract's ``examples``), shown to agencies as a valid value."""
        return self.contract.examples

    @property
    def field_sources(self) -> dict[str, str]:
        """Contract field -> the agency column(s) it is read from, as shown in error reports (several targets:
        each target's, joined by ' | ')."""
        found: dict[str, dict[str, None]] = {}
        for spec in self.specs:
            for name, entry in spec.fields.items():
                found.setdefault(name, {})[" + ".join(entry.source_columns)] = None
        return {name: " | ".join(sources) for name, sources in found.items()}


def as_specs(data: dict[str, Any]) -> list[MappingSpec]:
    """A mapping document (version 1 or 2, already parsed) as the specs of its targets, without a contract
    check (``load_mapping_file`` does that). ``pydantic.ValidationError`` when it does not validate."""
    if data.get("mapping_version", 1) == 1:
        MappingSpecV1.model_validate(data)
        data = upgrade(data)[0]
    document = MappingFile.model_validate(data)
    return [document.target_spec(t) for t in document.targets]


def _lookup_codes(lookup: LookupSpec, contract: Contract) -> CodesSpec:
    """A lookup in a reference table as the code map it amounts to: every value of the ``match`` columns
    (accents and case ignored when asked) gives the row's code."""
    table = reference_table(contracts_root(contract.file), f"reference/{lookup.table}")
    mapping: dict[str, str | int | float | bool] = {}
    for code in table:
        for column in lookup.match:
            value = {"code": code.value, "label_en": code.label_en, "label_fr": code.label_fr}[column]
            if value:
                mapping.setdefault(value, code.value)
    return CodesSpec(map=mapping, file=None, unmapped=lookup.unmapped, ignore_case=lookup.ignore_accents,
                     ignore_accents=lookup.ignore_accents)


def _resolved(spec: MappingSpec, contract: Contract, doc: YamlDocument, target: int, v1: bool) -> MappingSpec:
    """Code files read into their maps and lookups turned into code maps: what the compiler runs."""
    fields = dict(spec.fields)
    for name, field_spec in spec.fields.items():
        steps = []
        for i, step in enumerate(field_spec.steps):
            if step.codes is not None and step.codes.file is not None:
                where: tuple[PathPart, ...] = ("fields", name, "codes", "file") if v1 else (
                    "targets", target, "fields", name, "steps", i, "codes", "file")
                codes = step.codes.model_copy(update={"map": read_code_file(doc, step.codes.file, where),
                                                      "file": None})
                step = step.model_copy(update={"codes": codes})
            elif step.lookup is not None:
                step = step.model_copy(update={"lookup": None, "codes": _lookup_codes(step.lookup, contract)})
            steps.append(step)
        fields[name] = field_spec.model_copy(update={"steps": steps})
    return spec.model_copy(update={"fields": fields})


@dataclass(frozen=True)
class HeldTarget:
    """A target of a mapping file that is not produced, and why: ``broken`` (it does not lint against its
    contract: the file's other targets still load), or ``ended`` (its contract version is past its sunset or
    retired, and the file has no produced target left: the files it claims are refused, naming the end)."""

    agency: str
    target: str  # person/v1
    file: Path
    pattern: str | None  # the landing files it claims
    kind: str  # broken | ended
    message: str
    contract: Contract | None = None  # the version it targets, when known
    fields: tuple[str, ...] = ()  # the contract fields it fills (an ended target)
    first: Finding | None = None  # a broken target's first finding


@dataclass(frozen=True)
class LoadedFile:
    mappings: list[Mapping]
    held: list[HeldTarget]


def _ended(contract: Contract) -> str:
    """Why a contract version that is not a proposal is no longer produced."""
    if contract.status == "retired":
        return f"{contract.label} is retired: it is no longer produced"
    return f"{contract.label} is no longer produced since its sunset ({contract.sunset})"


def _target_findings(findings: list[Finding], index: int) -> list[Finding]:
    prefix = f"targets[{index}]"
    return [f for f in findings if f.path == prefix or f.path.startswith((prefix + ".", prefix + "["))]


def load_targets(file: Path, contracts: ContractRegistry) -> LoadedFile:
    """The targets of the mapping ``file`` that load and are produced, and those that are not (``held``). A
    problem of the file as a whole (its YAML, its source, its agency) raises ``MappingError``; a target that
    does not lint against its contract is held alone, so a migration drafted beside a working target never
    stops it."""
    doc = load_yaml(file, MappingError)
    findings, targets = lint_document(doc, contracts)
    errors = [f for f in findings if f.severity == "error"]
    v1 = doc.data.get("mapping_version", 1) == 1 if isinstance(doc.data, dict) else True
    own = {i: _target_findings(errors, i) for i in range(len(targets))} if not v1 else {}
    general = [f for f in errors if not any(f in found for found in own.values())]
    if general or not targets or all(t.spec is None for t in targets):
        first = general[0] if general else errors[0] if errors else None
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise MappingError((first.message if first else "unusable mapping") + more, file=file,
                           line=first.line if first else None, path=first.path if first else "")
    sha = hashlib.sha256(file.read_bytes()).hexdigest()
    loaded: dict[str, Mapping] = {}
    held: list[HeldTarget] = []
    ended: list[HeldTarget] = []
    for i, target in enumerate(targets):
        if target.spec is None or target.contract is None:
            key = f"{target.contract.id}/v{target.contract.major}" if target.contract else f"target {i + 1}"
            problems = own.get(i) or errors
            held.append(HeldTarget(doc.data["agency"], key, file, None, "broken", "; ".join(
                f.describe("en") for f in problems) or "the target does not load",
                first=problems[0] if problems else None))
            continue
        key = f"{target.contract.id}/v{target.contract.major}"
        if not produced(target.contract):
            if target.contract.status != "proposed":  # a proposal is not produced yet: nothing is lost
                ended.append(HeldTarget(target.spec.agency, key, file, target.spec.source.pattern, "ended",
                                        _ended(target.contract), target.contract, tuple(target.spec.fields)))
            continue
        spec = _resolved(target.spec, target.contract, doc, i, v1)
        earlier = loaded.get(key)
        loaded[key] = replace(earlier, branches=(*earlier.branches, spec)) if earlier else Mapping(
            spec=spec, contract=target.contract, file=file, sha256=sha)
    return LoadedFile(list(loaded.values()), held + (ended if not loaded else []))


def load_mapping_file(file: Path, contracts: ContractRegistry) -> list[Mapping]:
    """Every target of the mapping ``file``, checked against its contract; ``MappingError`` names the first
    problem's file, line and path (``accord mapping lint`` lists them all)."""
    loaded = load_targets(file, contracts)
    broken = [h for h in loaded.held if h.kind == "broken"]
    if broken:
        first = broken[0].first
        raise MappingError(first.message if first else broken[0].message, file=file,
                           line=first.line if first else None, path=first.path if first else "")
    return loaded.mappings


def load_mapping(file: Path, contracts: ContractRegistry) -> Mapping:
    """The one target of the mapping ``file`` (``load_mapping_file`` for a file with several)."""
    mappings = load_mapping_file(file, contracts)
    if len(mappings) != 1:
        raise MappingError(f"the file has {len(mappings)} targets: load it with load_mapping_file", file=file)
    return mappings[0]


def load_mappings(directory: Path, contracts: ContractRegistry) -> list[Mapping]:
    """Every ``<agency>/<contract>.yaml`` under ``directory``, sorted by agency then contract; the first broken
    one raises (for tests and tools; a pipeline uses ``scan_mappings``)."""
    return [m for f in sorted(directory.glob("*/*.yaml")) for m in load_mapping_file(f, contracts)]


@dataclass(frozen=True)
class MappingSet:
    """The mappings that load, and per agency folder the problems of those that do not: mappings are written
    by agencies, and one agency's broken mapping must not stop the others."""

    mappings: list[Mapping]
    broken: dict[str, list[MappingError]]  # agency -> its mapping files that do not load at all
    held: list[HeldTarget] = field(default_factory=list)  # targets not produced: broken alone, or ended

    @property
    def problems(self) -> dict[str, str]:
        """Agency -> what is wrong with its mappings."""
        return {agency: "; ".join(e.describe() for e in errors) for agency, errors in self.broken.items()}


def scan_mappings(directory: Path, contracts: ContractRegistry) -> MappingSet:
    mappings: list[Mapping] = []
    broken: dict[str, list[MappingError]] = {}
    held: list[HeldTarget] = []
    for file in sorted(directory.glob("*/*.yaml")):
        try:
            loaded = load_targets(file, contracts)
            mappings.extend(loaded.mappings)
            held.extend(loaded.held)
        except MappingError as exc:
            broken.setdefault(file.parent.name, []).append(exc)
        except Exception as exc:  # whatever a hostile file makes a library raise, it is that file's problem
            broken.setdefault(file.parent.name, []).append(
                MappingError(f"cannot be loaded ({type(exc).__name__}: {exc})", file=file))
    return MappingSet(mappings, broken, held)


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
