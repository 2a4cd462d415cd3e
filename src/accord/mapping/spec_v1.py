"""Mapping files of version 1: one contract, and per field a fixed set of step keys run in a fixed order
(source with trim and null tokens, normalize, regex_replace, regex_extract, case, default, codes, then date,
number or boolean). ``upgrade`` writes the same mapping as version 2, its steps in that order, so it gives
the same output; the engine only ever runs version 2 (``accord mapping upgrade`` writes the file)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from accord.mapping.base import Strict
from accord.mapping.source_spec import SourceSpec
from accord.mapping.spec import AGENCY_ID, JSON_FORMATS, FieldSources
from accord.mapping.steps import BooleanSpec, CodesSpec, DateSpec, NumberSpec, RegexExtract, RegexReplace
from accord.yamlfile import PathPart

V1_STEPS = ("normalize", "regex_replace", "regex_extract", "case", "default", "codes", "date", "number", "boolean")


class FieldSpecV1(FieldSources):
    """How one contract field is produced (version 1). Steps run in this order: source (with trim and null
    tokens on every column read), normalize, regex_replace, regex_extract, case, default, codes, then parsing
    to the contract type (date, number, boolean)."""

    normalize: Literal["NFC", "NFKC"] | None = None
    regex_replace: list[RegexReplace] = Field(default_factory=list)
    regex_extract: RegexExtract | None = None
    case: Literal["upper", "lower", "title"] | None = None
    default: str | None = Field(None, description="used when the value is empty")
    codes: CodesSpec | None = None
    date: DateSpec | None = None
    number: NumberSpec | None = None
    boolean: BooleanSpec | None = None

    @model_validator(mode="after")
    def _one_parse(self) -> FieldSpecV1:
        if sum(s is not None for s in (self.date, self.number, self.boolean)) > 1:
            raise ValueError("give at most one of 'date', 'number', 'boolean'")
        return self


class MappingSpecV1(Strict):
    mapping_version: Literal[1]
    agency: str = Field(pattern=AGENCY_ID)
    contract: str
    contract_version: int = Field(ge=1, description="major version of the contract this mapping targets")
    source: SourceSpec
    fields: dict[str, FieldSpecV1] = Field(min_length=1)


Remap = dict[tuple[PathPart, ...], tuple[PathPart, ...]]


def _field_v2(name: str, spec: dict[str, Any], remap: Remap) -> dict[str, Any]:
    """A version 1 field entry as version 2 (keys as written in the file); ``remap`` learns where each step
    came from, so findings on the version 2 form name the line of the version 1 file."""
    out = {k: v for k, v in spec.items() if k not in V1_STEPS}
    steps: list[Any] = []
    for key in V1_STEPS:
        if key not in spec:
            continue
        values = spec[key] if key == "regex_replace" else [spec[key]]
        for n, value in enumerate(values or []):
            origin: tuple[PathPart, ...] = ("fields", name, key, n) if key == "regex_replace" else ("fields", name, key)
            remap[("targets", 0, "fields", name, "steps", len(steps), key)] = origin
            remap[("targets", 0, "fields", name, "steps", len(steps))] = origin
            steps.append({key: value})
    if steps:
        out["steps"] = steps
    return out


def upgrade(data: dict[str, Any]) -> tuple[dict[str, Any], Remap]:
    """A version 1 mapping document as a version 2 document with one target, and the path remapping."""
    remap: Remap = {("targets", 0, "contract"): ("contract",),
                    ("targets", 0, "contract_version"): ("contract_version",)}
    fields = data.get("fields")
    v2_fields = {name: _field_v2(str(name), spec, remap) if isinstance(spec, dict) else spec
                 for name, spec in fields.items()} if isinstance(fields, dict) else fields
    for name in v2_fields if isinstance(v2_fields, dict) else []:
        remap.setdefault(("targets", 0, "fields", name), ("fields", name))
    remap[("targets", 0, "fields")] = ("fields",)
    target = {"contract": data.get("contract"), "contract_version": data.get("contract_version"),
              "fields": v2_fields}
    source = data.get("source")
    if isinstance(source, dict) and source.get("format") in JSON_FORMATS and "json_types" not in source:
        source = {**source, "json_types": "coerce"}  # version 1 read JSON values as text: it keeps that meaning
    document = {"mapping_version": 2, "agency": data.get("agency"), "source": source,
                "targets": [target]}
    return document, remap


def remap_path(parts: tuple[PathPart, ...], remap: Remap) -> tuple[PathPart, ...]:
    """A path of the version 2 form as the path of the version 1 file (longest known prefix)."""
    for length in range(len(parts), 0, -1):
        origin = remap.get(parts[:length])
        if origin is not None:
            return (*origin, *parts[length:])
    return parts


def upgraded_text(text: str, data: dict[str, Any]) -> str:
    """A version 1 file (its text, and its data read by accord's loader) written as version 2: its leading
    comment lines kept, then the document."""
    import yaml

    document, _ = upgrade(data)
    comments = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        comments.append(line)
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)
    return "\n".join([*comments, "# Upgraded to mapping_version 2 by accord mapping upgrade.", ""]) + body
