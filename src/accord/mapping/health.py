"""Whether each agency's mappings load, per contract version they declare: what the landing sensor and the
``mapping_loads`` asset checks tell an engineer. A mapping that does not load keeps its agency's files waiting in
landing; its problems are given as ``accord mapping lint`` gives them (file:line:column, message, hint)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

from accord.contracts import ContractRegistry
from accord.errors import MappingError
from accord.mapping.lint import lint_mapping
from accord.mapping.loader import MappingSet, current_mappings
from accord.yamlfile import load_yaml


@dataclass(frozen=True)
class MappingHealth:
    """One agency's mappings onto one contract version (``person/v1``)."""

    agency: str
    target: str
    files: tuple[str, ...]
    problems: tuple[str, ...] = ()  # lint's findings of those that do not load; empty: they all load

    @property
    def loads(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class HealthReport:
    pairs: list[MappingHealth]
    broken: dict[str, tuple[str, ...]] = field(default_factory=dict)  # file -> its problems
    alone: frozenset[str] = frozenset()  # files of ``broken`` of which only a target is held, not the agency

    def message(self) -> str:
        """Every mapping that does not load, with its problems (for a failed sensor tick)."""
        lines = []
        for header, files in (
                ("mapping file(s) do not load; their agencies' files wait in landing:",
                 sorted(f for f in self.broken if f not in self.alone)),
                ("mapping file(s) have a target that does not load; it is held, the file's other targets run:",
                 sorted(f for f in self.broken if f in self.alone))):
            if files:
                lines.append(f"{len(files)} {header}")
                for file in files:
                    lines += [f"  {file}", *(f"    {p}" for p in self.broken[file])]
        return "\n".join(lines)


_CONTRACT = re.compile(r"^[ \t-]*contract:[ \t]*['\"]?([a-z][a-z0-9_]{0,63})['\"]?[ \t]*$", re.MULTILINE)
_VERSION = re.compile(r"^[ \t-]*contract_version:[ \t]*['\"]?([0-9]{1,4})", re.MULTILINE)
TEXT_SCAN_BYTES = 1 << 20


def _targets_in_text(file: Path) -> list[str]:
    """The targets of a mapping whose YAML does not parse, read from its ``contract:`` and ``contract_version:``
    lines (each contract with the version line after it), so its check stays defined and turns red."""
    try:
        with file.open("rb") as handle:
            text = handle.read(TEXT_SCAN_BYTES).decode("utf-8", "replace")
    except OSError:
        return []
    found = []
    for match in _CONTRACT.finditer(text):
        version = _VERSION.search(text, match.end())
        if version is not None:
            found.append(f"{match.group(1)}/v{int(version.group(1))}")
    return list(dict.fromkeys(found))


def declared_targets(file: Path) -> list[str]:
    """The contract versions a mapping file names (``person/v1``), read even when the mapping does not load;
    empty when its YAML cannot be read at all."""
    try:
        data = load_yaml(file, MappingError).data
    except MappingError:
        return _targets_in_text(file)
    if not isinstance(data, dict):
        return []
    targets = data.get("targets")
    entries = targets if isinstance(targets, list) else [data]
    found = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("contract"), str):
            major = str(entry.get("contract_version", "")).split(".")[0]
            if major.isdigit():
                found.append(f"{entry['contract']}/v{int(major)}")
    return list(dict.fromkeys(found))


def declared_pairs(mappings_dir: Path) -> list[tuple[str, str]]:
    """(agency, contract version) of every mapping file, loadable or not."""
    pairs = {(file.parent.name, target) for file in mappings_dir.glob("*/*.yaml") for target in declared_targets(file)}
    return sorted(pairs)


def _problems(file: Path, root: Path, errors: list[MappingError], contracts: ContractRegistry) -> tuple[str, ...]:
    shown = str(file.relative_to(root)) if file.is_relative_to(root) else str(file)
    findings = [dataclasses.replace(f, file=shown) for f in lint_mapping(file, contracts) if f.severity == "error"]
    if findings:
        return tuple(f.describe("en") for f in findings)
    return tuple(e.describe() for e in errors)  # what the loader refused and lint does not see


def mapping_health(mappings_dir: Path, scan: MappingSet, contracts: ContractRegistry) -> HealthReport:
    """Per (agency, contract version) declared in ``mappings_dir``: do its mappings load (``scan``), and if not,
    why. A mapping that loads is still reported when another mapping of its agency does not (the agency's files
    wait)."""
    root = mappings_dir.parent
    errors: dict[Path, list[MappingError]] = {}
    for agency, found in scan.broken.items():
        for error in found:
            errors.setdefault(Path(error.file) if error.file else mappings_dir / agency, []).append(error)
    broken: dict[str, tuple[str, ...]] = {}
    pairs: dict[tuple[str, str], MappingHealth] = {}
    for file in sorted(mappings_dir.glob("*/*.yaml")):
        problems = _problems(file, root, errors[file], contracts) if file in errors else ()
        shown = str(file.relative_to(root))
        if problems:
            broken[shown] = problems
        for target in declared_targets(file):
            before = pairs.get((file.parent.name, target), MappingHealth(file.parent.name, target, ()))
            pairs[(file.parent.name, target)] = MappingHealth(before.agency, target, (*before.files, shown),
                                                              (*before.problems, *problems))
    held_only: set[str] = set()  # files with a target that does not lint alone: their other targets load and run
    for held in scan.held:
        if held.kind == "broken" and (held.agency, held.target) in pairs:
            health = pairs[(held.agency, held.target)]
            pairs[(held.agency, held.target)] = dataclasses.replace(health, problems=(*health.problems, held.message))
            shown = str(held.file.relative_to(root)) if held.file.is_relative_to(root) else str(held.file)
            broken[shown] = (*broken.get(shown, ()), held.message)  # each of its targets that does not load
            held_only.add(shown)
    for (agency, target), health in pairs.items():  # intake holds an agency's files while any of its mappings fails
        others = [f for f in broken if Path(f).parent.name == agency and f not in health.files
                  and f not in held_only]
        if others and health.loads:
            pairs[(agency, target)] = dataclasses.replace(health, problems=tuple(
                f"{f} does not load: every file of agency {agency} waits in landing until it does" for f in others))
    return HealthReport([pairs[k] for k in sorted(pairs)], broken, frozenset(held_only))


_REPORTS: dict[tuple[Path, Path], tuple[MappingSet, HealthReport]] = {}


def current_health(contracts_dir: Path, mappings_dir: Path) -> HealthReport:
    """``mapping_health`` of ``current_mappings``: worked out again only when that scan is (a file changed)."""
    scan = current_mappings(contracts_dir, mappings_dir)
    cached = _REPORTS.get((contracts_dir, mappings_dir))
    if cached is None or cached[0] is not scan:
        cached = (scan, mapping_health(mappings_dir, scan, ContractRegistry.load(contracts_dir)))
        _REPORTS[(contracts_dir, mappings_dir)] = cached
    return cached[1]
