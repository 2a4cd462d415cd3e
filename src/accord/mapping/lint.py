"""Mapping lint: every problem in a mapping file, against its contract, with file:line:column and a hint.

Checks: YAML and unknown keys (with the closest known key), the agency folder, the contract version,
unknown target fields, required contract fields not produced, steps that cannot produce the target type,
codes and constants outside the contract's code list, date format families against ``day_first``, and
regular expressions that do not compile.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from accord.contracts import Contract, ContractRegistry, Field
from accord.errors import ContractError, MappingError
from accord.findings import Finding
from accord.mapping.spec import FieldSpec, MappingSpec
from accord.regex import regex_problem
from accord.yamlfile import PathPart, YamlDocument, format_path, load_yaml

_STEP_TYPES = {"date": ("date", "time", "timestamp"), "number": ("number", "integer"), "boolean": ("boolean",)}


class _Collector:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.findings: list[Finding] = []

    def add(self, parts: list[PathPart] | tuple[PathPart, ...], message: str, hint: str = "") -> None:
        self.findings.append(Finding(str(self.doc.file), self.doc.line(parts), format_path(parts), message,
                                     column=self.doc.column(parts), hint=hint))


def _closest(word: str, choices: list[str]) -> str:
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{found[0]}'?" if found else ""


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        for inner in (candidate, *getattr(candidate, "__args__", ())):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
    return None


def _model_at(parts: tuple[Any, ...]) -> type[BaseModel] | None:
    """The spec model that owns the key at ``parts`` (to suggest its known keys)."""
    model: type[BaseModel] | None = MappingSpec
    keys = [p for p in parts[:-1] if not isinstance(p, int)]
    i = 0
    while i < len(keys) and model is not None:
        if model is MappingSpec and keys[i] == "fields":
            model, i = FieldSpec, i + 2  # the next key is a contract field name
            continue
        field = next((f for n, f in model.model_fields.items() if keys[i] in (n, f.alias)), None)
        model = _model_in(field.annotation) if field is not None else None
        i += 1
    return model


def _spec_findings(doc: YamlDocument, out: _Collector) -> tuple[MappingSpec | None, set[str]]:
    """The spec, or the spec without its invalid fields (so the contract checks can still run), and the names
    of the fields left out."""
    try:
        return MappingSpec.model_validate(doc.data), set()
    except ValidationError as exc:
        broken = {str(e["loc"][1]) for e in exc.errors() if len(e["loc"]) > 1 and e["loc"][0] == "fields"}
        for error in exc.errors():
            parts = tuple("from" if p == "from_" else "if" if p == "if_" else "in" if p == "in_" else p
                          for p in error["loc"] if isinstance(p, str | int) and not str(p).startswith("function"))
            if error["type"] == "extra_forbidden":
                model = _model_at(parts)
                known = [f.alias or n for n, f in model.model_fields.items()] if model else []
                out.add(parts, f"unknown key '{parts[-1]}'", _closest(str(parts[-1]), known) or
                        (f"known keys: {', '.join(sorted(known))}" if known else ""))
            else:
                out.add(parts, error["msg"].removeprefix("Value error, "))
    fields = doc.data.get("fields")
    if broken and isinstance(fields, dict):
        try:
            rest = {k: v for k, v in fields.items() if str(k) not in broken}
            return MappingSpec.model_validate({**doc.data, "fields": rest or {"_": {"constant": ""}}}), broken
        except ValidationError:
            pass
    return None, broken


def _check_regex(pattern: str, parts: tuple[PathPart, ...], out: _Collector) -> None:
    problem = regex_problem(pattern)
    if problem:
        out.add(parts, f"regular expression does not compile: {problem}")


def _field_findings(name: str, spec: FieldSpec, field: Field, out: _Collector) -> None:
    base: tuple[PathPart, ...] = ("fields", name)
    read = field.items or field  # an array's date/number/boolean settings read each of its items
    for step, types in _STEP_TYPES.items():
        if getattr(spec, step) is not None and read.logical_type not in types:
            out.add((*base, step), f"'{step}' cannot produce the {field.type_label} field '{name}'",
                    f"'{step}' produces {' or '.join(types)}")
    if spec.items is not None and field.items is None:
        out.add((*base, "items"), f"'items' reads an array, but '{name}' is a {field.type_label}")
    if spec.codes is not None and field.logical_type != "string":
        out.add((*base, "codes"), f"codes produce text, but '{name}' is a {field.type_label}")
    allowed = list(field.enum or [])
    if allowed and spec.codes is not None and spec.codes.map is not None:
        for source_code, target in spec.codes.map.items():
            if target not in allowed:
                out.add((*base, "codes", "map", source_code), f"'{target}' is not a code of contract field '{name}'",
                        _closest(target, allowed) or f"allowed: {', '.join(allowed)}")
    constants = [((*base, "constant"), spec.constant)]
    constants += [((*base, "when", i, "then", "constant"), c.then.constant) for i, c in enumerate(spec.when or [])]
    if spec.otherwise is not None:
        constants.append(((*base, "otherwise", "constant"), spec.otherwise.constant))
    for parts, value in constants:
        if value is not None and allowed and spec.codes is None and str(value) not in allowed:
            out.add(parts, f"constant '{value}' is not a code of contract field '{name}'",
                    _closest(str(value), allowed) or f"allowed: {', '.join(allowed)}")
    if spec.date is not None and spec.date.formats and spec.date.day_first is not None:
        for i, fmt in enumerate(spec.date.formats):
            day, month = fmt.find("%d"), fmt.find("%m")
            if day >= 0 and month >= 0 and fmt.find("%Y") != 0 and (day < month) != spec.date.day_first:
                out.add((*base, "date", "formats", i), f"format '{fmt}' contradicts day_first: "
                        f"{str(spec.date.day_first).lower()}")
    if spec.date is not None and spec.date.excel_serial and read.logical_type != "date":
        out.add((*base, "date", "excel_serial"), "Excel serial numbers are read for date fields only")
    for i, rule in enumerate(spec.regex_replace):
        _check_regex(rule.pattern, (*base, "regex_replace", i, "pattern"), out)
    if spec.regex_extract is not None:
        _check_regex(spec.regex_extract.pattern, (*base, "regex_extract", "pattern"), out)
    for i, clause in enumerate(spec.when or []):
        if clause.if_.matches is not None:
            _check_regex(clause.if_.matches, (*base, "when", i, "if", "matches"), out)


def _contract_findings(spec: MappingSpec, contract: Contract, out: _Collector, broken: set[str]) -> None:
    names = contract.field_names
    for name, field_spec in spec.fields.items():
        if name == "_" and not broken.isdisjoint(names):
            continue
        if name not in names:
            out.add(("fields", name), f"'{name}' is not a field of contract {contract.label}",
                    _closest(name, names) or f"fields: {', '.join(names)}")
        else:
            _field_findings(name, field_spec, contract.field(name), out)
    missing = [f.name for f in contract.fields if f.required and f.name not in spec.fields and f.name not in broken]
    if missing:
        out.add(("fields",), f"required contract fields not produced: {', '.join(missing)}",
                "add an entry under 'fields' for each (from, constant, ...)")


def lint_document(doc: YamlDocument, contracts: ContractRegistry) -> tuple[list[Finding], MappingSpec | None,
                                                                         Contract | None]:
    out = _Collector(doc)
    if not isinstance(doc.data, dict):
        out.add((), "a mapping must be a YAML mapping")
        return out.findings, None, None
    spec, broken = _spec_findings(doc, out)
    if spec is None:
        return out.findings, None, None
    if spec.agency != doc.file.parent.name:
        out.add(("agency",), f"agency '{spec.agency}' does not match the folder '{doc.file.parent.name}'")
    try:
        contract = contracts.resolve(spec.contract, spec.contract_version)
    except ContractError as exc:
        out.add(("contract",), exc.message)
        return out.findings, spec, None
    _contract_findings(spec, contract, out, broken)
    return out.findings, (None if broken else spec), contract


def lint_mapping(file: Path, contracts: ContractRegistry) -> list[Finding]:
    """Every problem in the mapping ``file`` (empty: it is ready to use)."""
    try:
        doc = load_yaml(file, MappingError)
    except MappingError as exc:
        return [Finding(str(file), exc.line, exc.path, exc.message)]
    return lint_document(doc, contracts)[0]


