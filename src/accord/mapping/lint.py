"""Mapping lint: every problem in a mapping file, against its contracts, with file:line:column and a hint.

Checks: YAML and unknown keys (with the closest known key, or the key it belongs under when it is indented
too little), the agency folder, the contract versions, unknown target fields, required contract fields not
produced, steps that cannot produce the target type or come after the parse step, codes and constants outside
the contract's code list, date format families against ``day_first``, reference tables of lookups, and
regular expressions that do not compile. A version 1 file is checked in its version 2 form, each finding
named at the line of the version 1 file.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from accord.contracts import Contract, ContractRegistry, Field
from accord.contracts.codelists import reference_table
from accord.contracts.loader import contracts_root
from accord.errors import ContractError, MappingError
from accord.findings import Finding
from accord.intake.limits import Limits
from accord.mapping.code_files import read_code_file
from accord.mapping.overlap import overlap_findings
from accord.mapping.spec import Condition, FieldSpec, MappingFile, MappingSpec, TargetSpec
from accord.mapping.spec_v1 import MappingSpecV1, Remap, remap_path, upgrade
from accord.mapping.steps import PARSE_STEPS
from accord.regex import regex_problem
from accord.yamlfile import PathPart, YamlDocument, format_path, load_yaml

_STEP_TYPES = {"date": ("date", "time", "timestamp"), "number": ("number", "integer"), "boolean": ("boolean",)}
Parts = tuple[PathPart, ...]


class FindingCollector:
    def __init__(self, doc: YamlDocument, remap: Remap | None = None) -> None:
        self.doc = doc
        self.remap = remap
        self.findings: list[Finding] = []

    def add(self, parts: list[PathPart] | tuple[PathPart, ...], message: str, hint: str = "",
            severity: str = "error") -> None:
        """A finding at ``parts`` of the version 2 form (of the file itself for a version 1 file's own
        validation)."""
        where = remap_path(tuple(parts), self.remap) if self.remap is not None else tuple(parts)
        self.findings.append(Finding(str(self.doc.file), self.doc.line(where), format_path(where), message,
                                     severity=severity, column=self.doc.column(where), hint=hint))


def closest(word: str, choices: list[str]) -> str:
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{found[0]}'?" if found else ""


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        for inner in (candidate, *getattr(candidate, "__args__", ())):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


def _model_at(parts: tuple[Any, ...], root: type[BaseModel]) -> type[BaseModel] | None:
    """The spec model that owns the key at ``parts`` (to suggest its known keys)."""
    model: type[BaseModel] | None = root
    keys = [p for p in parts[:-1] if not isinstance(p, int)]
    i = 0
    while i < len(keys) and model is not None:
        field = next((f for n, f in model.model_fields.items() if keys[i] in (n, f.alias)), None)
        model = _model_in(field.annotation) if field is not None else None
        i += 2 if keys[i] in ("fields", "map") else 1  # the next key is a contract field name
    return model


def _belongs_under(key: str, parts: tuple[Any, ...], root: type[BaseModel], data: Any) -> str:
    """For an unknown key that a sibling's model knows (``map`` beside ``codes``): where it belongs."""
    model = _model_at(parts, root)
    node = data
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else node[part] if isinstance(node, list) and \
            isinstance(part, int) and part < len(node) else None
    if model is None or not isinstance(node, dict):
        return ""
    for sibling in node:
        field = next((f for n, f in model.model_fields.items() if sibling in (n, f.alias)), None)
        inner = _model_in(field.annotation) if field is not None else None
        if inner is not None and any(key in (n, f.alias) for n, f in inner.model_fields.items()):
            return f"'{key}' belongs under '{sibling}': indent it by two more spaces"
    return ""


def _read_as(error: dict[str, Any]) -> str:
    """What YAML made of a value the model refused, in plain words, when that is the likely cause."""
    value = error.get("input")
    if value is None and ("string" in error["msg"] or "'null'" in error["msg"]):
        return "the value was read as empty (YAML reads null and ~ that way): write it in quotes, \"null\""
    if isinstance(value, bool) and ("string" in error["msg"] or "'" in error["msg"]):
        return f"the value was read as {str(value).lower()}: write it in quotes, \"{str(value).lower()}\""
    if isinstance(value, int | float) and not isinstance(value, bool) and "string" in error["msg"]:
        return f"the value was read as the number {value}: write it in quotes, \"{value}\""
    return ""


@dataclass
class _Parsed:
    """A mapping document as version 2: the validated file (None when it does not validate), the field
    entries left out because they are invalid (per target), and the remapping of a version 1 file."""

    spec: MappingFile | None
    broken: dict[int, set[str]]
    remap: Remap | None


def _validation_findings(exc: ValidationError, root: type[BaseModel], data: Any, out: FindingCollector) -> None:
    for error in exc.errors():
        parts = tuple("from" if p == "from_" else "if" if p == "if_" else "in" if p == "in_" else "with" if
                      p == "with_" else str(p).rstrip("_") if p in ("all_", "any_", "not_") else p
                      for p in error["loc"] if isinstance(p, str | int) and not str(p).startswith("function"))
        if error["type"] == "extra_forbidden":
            model = _model_at(parts, root)
            known = [f.alias or n for n, f in model.model_fields.items()] if model else []
            out.add(parts, f"unknown key '{parts[-1]}'", _belongs_under(str(parts[-1]), parts, root, data) or
                    closest(str(parts[-1]), known) or (f"known keys: {', '.join(sorted(known))}" if known else ""))
        else:
            out.add(parts, error["msg"].removeprefix("Value error, "), _read_as(dict(error)))


def _broken_fields(exc: ValidationError, v1: bool) -> dict[int, set[str]]:
    broken: dict[int, set[str]] = {}
    for error in exc.errors():
        loc = error["loc"]
        if v1 and len(loc) > 1 and loc[0] == "fields":
            broken.setdefault(0, set()).add(str(loc[1]))
        elif not v1 and len(loc) > 3 and loc[0] == "targets" and loc[2] == "fields":
            broken.setdefault(int(loc[1]), set()).add(str(loc[3]))
    return broken


def _without(data: dict[str, Any], broken: dict[int, set[str]]) -> dict[str, Any]:
    """The version 2 document without its broken field entries (so the contract checks can still run)."""
    targets = []
    for i, target in enumerate(data.get("targets") or []):
        if isinstance(target, dict) and isinstance(target.get("fields"), dict) and broken.get(i):
            rest = {k: v for k, v in target["fields"].items() if str(k) not in broken[i]}
            target = {**target, "fields": rest or {"_": {"constant": ""}}}
        targets.append(target)
    return {**data, "targets": targets}


def _parse(doc: YamlDocument, out: FindingCollector) -> _Parsed:
    """Validate the document as written (version 1 or 2), then as version 2."""
    data: dict[str, Any] = doc.data
    if data.get("mapping_version", 1) == 1:
        try:
            MappingSpecV1.model_validate(data)
            broken: dict[int, set[str]] = {}
        except ValidationError as exc:
            _validation_findings(exc, MappingSpecV1, data, out)
            broken = _broken_fields(exc, v1=True)
            if not broken:
                return _Parsed(None, {}, None)
        data, remap = upgrade(data)
        out.remap = remap
    else:
        remap, broken = None, {}
        try:
            return _Parsed(MappingFile.model_validate(data), {}, None)
        except ValidationError as exc:
            _validation_findings(exc, MappingFile, data, out)
            broken = _broken_fields(exc, v1=False)
            if not broken:
                return _Parsed(None, {}, None)
    try:
        return _Parsed(MappingFile.model_validate(_without(data, broken)), broken, remap)
    except ValidationError:
        return _Parsed(None, broken, remap)


def _check_regex(pattern: str, parts: tuple[PathPart, ...], out: FindingCollector) -> None:
    problem = regex_problem(pattern)
    if problem:
        out.add(parts, f"regular expression does not compile: {problem}")


def _either(words: tuple[str, ...]) -> str:
    """``date, time or timestamp``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _condition_findings(cond: Condition, parts: Parts, out: FindingCollector) -> None:
    if cond.matches is not None:
        _check_regex(cond.matches, (*parts, "matches"), out)
    for key, inner in (("all", cond.all_), ("any", cond.any_)):
        for i, item in enumerate(inner or []):
            _condition_findings(item, (*parts, key, i), out)
    if cond.not_ is not None:
        _condition_findings(cond.not_, (*parts, "not"), out)


def _step_findings(name: str, spec: FieldSpec, field: Field, base: Parts, out: FindingCollector,
                   contract: Contract) -> None:
    read = field.items or field  # an array's date/number/boolean settings read each of its items
    allowed = list(field.enum or [])
    for i, step in enumerate(spec.steps):
        at: Parts = (*base, "steps", i, step.kind)
        if step.kind in PARSE_STEPS and i != len(spec.steps) - 1:
            out.add(at, f"'{step.kind}' reads the text as the field's type, so it must be the last step",
                    "move it to the end of 'steps'")
        types = _STEP_TYPES.get(step.kind)
        if types and read.logical_type not in types:
            out.add(at, f"'{step.kind}' cannot produce the {field.type_label} field '{name}'",
                    f"'{step.kind}' produces {_either(types)}")
        if step.codes is not None and field.items is not None:
            out.add(at, f"codes do not apply to the list field '{name}' (its items are checked against the "
                    "contract as they are)")
        code_map: dict[str, Any] | None = step.codes.map if step.codes is not None else None
        if step.codes is not None and step.codes.file is not None:
            try:  # read as the loader reads it: inside the mapping's folder, links followed and judged
                code_map = read_code_file(out.doc, step.codes.file, (*at, "file"))
            except MappingError as exc:
                out.add((*at, "file"), exc.message, "a code file is a CSV (from,to) in the mapping's own folder")
        if allowed and code_map is not None:
            for source_code, target in code_map.items():
                if str(target) not in allowed:
                    from_file = step.codes is not None and step.codes.file is not None
                    out.add((*at, "file") if from_file else (*at, "map", source_code),
                            f"'{target}' is not a code of contract field '{name}'",
                            closest(str(target), allowed) or f"allowed: {', '.join(allowed)}")
        if step.codes is not None and step.codes.map == {}:
            out.add((*at, "map"), f"the code map of '{name}' is empty: every value would be unmapped",
                    "list the agency's codes and the contract code each one becomes")
        if step.date is not None and step.date.formats and step.date.day_first is not None:
            for n, fmt in enumerate(step.date.formats):
                day, month = fmt.find("%d"), fmt.find("%m")
                if day >= 0 and month >= 0 and fmt.find("%Y") != 0 and (day < month) != step.date.day_first:
                    out.add((*at, "formats", n), f"format '{fmt}' contradicts day_first: "
                            f"{str(step.date.day_first).lower()}")
        if step.date is not None and step.date.excel_serial and read.logical_type != "date":
            out.add((*at, "excel_serial"), "Excel serial numbers are read for date fields only")
        if step.regex_replace is not None:
            _check_regex(step.regex_replace.pattern, (*at, "pattern"), out)
        if step.regex_extract is not None:
            _check_regex(step.regex_extract.pattern, (*at, "pattern"), out)
        if step.lookup is not None:
            try:
                reference_table(contracts_root(contract.file), f"reference/{step.lookup.table}")
            except ValueError as exc:
                out.add((*at, "table"), str(exc), "lookups read the tables of contracts/reference/")


def _field_findings(name: str, spec: FieldSpec, field: Field, base: Parts, out: FindingCollector,
                    contract: Contract) -> None:
    if spec.items is not None and field.items is None:
        out.add((*base, "items"), f"'items' reads an array, but '{name}' is a {field.type_label}")
    _step_findings(name, spec, field, base, out, contract)
    allowed = list(field.enum or [])
    has_codes = any(s.kind in ("codes", "lookup") for s in spec.steps)
    constants = [((*base, "constant"), spec.constant)]
    constants += [((*base, "when", i, "then", "constant"), c.then.constant) for i, c in enumerate(spec.when or [])]
    if spec.otherwise is not None:
        constants.append(((*base, "otherwise", "constant"), spec.otherwise.constant))
    for parts, value in constants:
        if value is not None and allowed and not has_codes and str(value) not in allowed:
            out.add(parts, f"constant '{value}' is not a code of contract field '{name}'",
                    closest(str(value), allowed) or f"allowed: {', '.join(allowed)}")
    for i, clause in enumerate(spec.when or []):
        _condition_findings(clause.if_, (*base, "when", i, "if"), out)


def _rows_findings(target: TargetSpec, base: Parts, out: FindingCollector) -> None:
    limit = Limits.from_env().max_records_per_row
    multiplying = []
    for i, operation in enumerate(target.rows):
        if operation.filter is not None:
            key = "keep_if" if operation.filter.keep_if is not None else "drop_if"
            _condition_findings(operation.filter.condition, (*base, "rows", i, "filter", key), out)
        if operation.explode is not None or operation.unpivot is not None:
            multiplying.append(i)
        if operation.unpivot is not None and len(operation.unpivot.columns) > limit:
            out.add((*base, "rows", i, "unpivot", "columns"), f"unpivot over {len(operation.unpivot.columns)} "
                    f"columns would make more records of each row than the limit of {limit}: every row would be "
                    "set aside (too-many-records)", "unpivot fewer columns, or ask the operators for a higher limit")
    if len(multiplying) > 1:
        out.add((*base, "rows", multiplying[1]), "these row operations multiply: each record of one makes records "
                "of the next, so what a source record makes is bounded by its data, not by the mapping; accord "
                f"sets aside a source record that would make more than {limit} records (too-many-records)",
                "keep one explode or unpivot per target if the data allows", severity="warning")


def _contract_findings(target: TargetSpec, contract: Contract, base: Parts, out: FindingCollector,
                       broken: set[str]) -> None:
    names = contract.field_names
    for name, field_spec in target.fields.items():
        if name == "_" and not broken.isdisjoint(names):
            continue
        if name not in names:
            out.add((*base, "fields", name), f"'{name}' is not a field of contract {contract.label}",
                    closest(name, names) or f"fields: {', '.join(names)}")
        else:
            _field_findings(name, field_spec, contract.field(name), (*base, "fields", name), out, contract)
    missing = [f.name for f in contract.fields if f.required and f.name not in target.fields and f.name not in broken]
    if missing:
        out.add((*base, "fields"), f"required contract fields not produced: {', '.join(missing)}",
                "add an entry under 'fields' for each (from, constant, ...)")
    _rows_findings(target, base, out)


@dataclass
class LintedTarget:
    """One target of a mapping file as the engine runs it (None where it does not load) and its contract."""

    spec: MappingSpec | None
    contract: Contract | None


def lint_document(doc: YamlDocument, contracts: ContractRegistry) -> tuple[list[Finding], list[LintedTarget]]:
    """Every finding of the document, and its targets (a target with a problem has no spec)."""
    out = FindingCollector(doc)
    if not isinstance(doc.data, dict):
        out.add((), "a mapping must be a YAML mapping")
        return out.findings, []
    parsed = _parse(doc, out)
    if parsed.spec is None:
        return out.findings, []
    file_spec = parsed.spec
    if file_spec.agency != doc.file.parent.name:
        out.add(("agency",), f"agency '{file_spec.agency}' does not match the folder '{doc.file.parent.name}'")
    targets: list[LintedTarget] = []
    seen: dict[str, int] = {}
    for i, target in enumerate(file_spec.targets):
        base: Parts = ("targets", i)
        first = seen.setdefault(f"{target.contract}/{target.contract_version}", i)
        if first != i and file_spec.targets[first].file != target.file:  # united records come from one file
            out.add((*base, "file"), f"contract {target.contract} v{target.contract_version} is already the "
                    f"target at position {first + 1}, which reads the file {file_spec.targets[first].file}: "
                    "the targets of one contract read the same file")
        spec = file_spec.target_spec(target)
        try:
            contract = contracts.resolve(target.contract, target.contract_version)
        except ContractError as exc:
            out.add((*base, "contract"), exc.message)
            targets.append(LintedTarget(None, None))
            continue
        before = len(out.findings)
        _contract_findings(target, contract, base, out, parsed.broken.get(i, set()))
        usable = i not in parsed.broken and len(out.findings) == before
        targets.append(LintedTarget(spec if usable else None, contract))
    return out.findings, targets


def collector_for(doc: YamlDocument) -> FindingCollector:
    """A collector for findings on the version 2 form of ``doc``, named at the lines of the file as written."""
    data = doc.data if isinstance(doc.data, dict) else {}
    return FindingCollector(doc, upgrade(data)[1] if data.get("mapping_version", 1) == 1 else None)


DRAFT_SUFFIX = ".draft"  # ``person.yaml.draft``: a mapping being finished beside the one the pipeline reads


def draft_path(file: Path) -> Path:
    """Where a draft of the mapping ``file`` is written: beside it, out of the pipeline's ``*/*.yaml``."""
    return file.with_name(file.name + DRAFT_SUFFIX)


def lint_mapping(file: Path, contracts: ContractRegistry, *, instead_of: Path | None = None) -> list[Finding]:
    """Every problem in the mapping ``file`` (empty: it is ready to use); ``instead_of``: the mapping file that
    ``file``, a draft beside it, would replace (for ``person.yaml.draft``: ``person.yaml``)."""
    if instead_of is None and file.name.endswith(".yaml" + DRAFT_SUFFIX):
        instead_of = file.with_name(file.name.removesuffix(DRAFT_SUFFIX))
    try:
        doc = load_yaml(file, MappingError)
    except MappingError as exc:
        return [Finding(str(file), exc.line, exc.path, exc.message)]
    return lint_document(doc, contracts)[0] + overlap_findings(doc, instead_of)


