"""Mapping lint that sees data: the mapping against the first rows of a sample extract.

For each target: columns the mapping reads that the sample does not have (with the closest header name),
date and time fields whose formats read none of the sample's values (with the format that would), and codes
of the sample that the code map does not list (with their counts). Each finding names the mapping file's line
and column, like the static lint, which runs first.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from accord.contracts import ContractRegistry
from accord.errors import AccordError, MappingError
from accord.findings import Finding
from accord.mapping.compile import apply_mapping, listed
from accord.mapping.header import missing_columns
from accord.mapping.lint import FindingCollector, closest, collector_for, lint_document
from accord.mapping.loader import Mapping, load_mapping_file
from accord.mapping.rows import shape
from accord.mapping.suggest import guess_date_format
from accord.readers import iter_extract
from accord.yamlfile import PathPart, load_yaml

SAMPLE_ROWS = 1000
SHOWN_CODES = 10
_DATES = ("date", "time", "timestamp")


def _field_at(mapping: Mapping, target: int, name: str, kind: str | None = None) -> tuple[PathPart, ...]:
    """Where a field (or its step of ``kind``) is written in the version 2 form."""
    base: tuple[PathPart, ...] = ("targets", target, "fields", name)
    steps = mapping.spec.fields[name].steps
    index = next((i for i, s in enumerate(steps) if s.kind == kind), None) if kind else None
    return (*base, "steps", index, kind) if index is not None and kind else base


def _missing(mapping: Mapping, target: int, raw: pl.DataFrame, sample: Path, out: FindingCollector) -> list[str]:
    missing = missing_columns(mapping, raw)
    header = [c for c in raw.columns if not c.startswith("_")]
    for column in missing:
        readers: list[str | None] = [n for n, f in mapping.spec.fields.items() if column in f.source_columns]
        for name in readers or [None]:
            parts = (*_field_at(mapping, target, name), "from") if name and \
                mapping.spec.fields[name].from_ == column else (_field_at(mapping, target, name) if name else
                                                                ("targets", target, "rows"))
            out.add(parts, f"column '{column}' is not in the sample {sample.name}",
                    closest(column, header) or f"the sample's columns: {', '.join(header)}")
    return missing


def _dates(mapping: Mapping, target: int, errors: pl.DataFrame, sent: pl.DataFrame, out: FindingCollector) -> None:
    for field in mapping.contract.fields:
        if field.name not in mapping.spec.fields or field.logical_type not in _DATES:
            continue
        values = [v for v in sent.get_column(field.name).drop_nulls().to_list() if v]
        failed = errors.filter((pl.col("column") == field.name) & (pl.col("rule") == "type-error")).height
        if not values or failed < len(values):
            continue
        detail = str(errors.filter(pl.col("column") == field.name).get_column("detail")[0])
        kind, _, tried = detail.removesuffix("]").partition(" [")
        formats, _, _ = guess_date_format(values)
        hint = f"the sample reads as {formats[0]}: date: {{formats: ['{formats[0]}']}}" if formats and \
            field.logical_type == "date" else f"first value: '{values[0]}'"
        out.add(_field_at(mapping, target, field.name, "date"),
                f"none of the {len(values)} sample values of '{field.name}' reads as a {kind} with {tried}", hint)


def _codes(mapping: Mapping, target: int, errors: pl.DataFrame, out: FindingCollector) -> None:
    unmapped = errors.filter(pl.col("rule") == "unmapped-code")
    for name in unmapped.get_column("column").unique(maintain_order=True).to_list():
        counts = unmapped.filter(pl.col("column") == name).group_by("value").len().sort(["len", "value"],
                                                                                      descending=[True, False])
        shown = [f"'{v}' ({n} row{'s' if n > 1 else ''})" for v, n in counts.rows()]
        out.add((*_field_at(mapping, target, name, "codes"), "map"),
                f"codes of the sample that the map of '{name}' does not list: {listed(shown, SHOWN_CODES)}",
                "add them to the map, or say unmapped: null or keep", severity="warning")


def sample_findings(file: Path, contracts: ContractRegistry, sample: Path) -> list[Finding]:
    """The static lint's findings, then (when there is none) what the first rows of ``sample`` show."""
    try:
        doc = load_yaml(file, MappingError)
    except MappingError as exc:
        return [Finding(str(file), exc.line, exc.path, exc.message)]
    findings, _ = lint_document(doc, contracts)
    if any(f.severity == "error" for f in findings):
        return findings
    out = collector_for(doc)
    out.findings = list(findings)
    mappings = load_mapping_file(file, contracts)
    try:
        raw = next(iter(iter_extract(sample, mappings[0].spec.source))).frame.head(SAMPLE_ROWS)
    except (AccordError, StopIteration) as exc:
        return [*out.findings, Finding(str(sample), None, "", f"the sample cannot be read: {exc}")]
    for target, mapping in enumerate(mappings):
        if _missing(mapping, target, raw, sample, out):
            continue
        mapped = apply_mapping(mapping, pl.concat([part.frame for part in shape(mapping.spec, raw)]))
        _dates(mapping, target, mapped.errors, mapped.source_text, out)
        _codes(mapping, target, mapped.errors, out)
    return out.findings
