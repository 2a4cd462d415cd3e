"""The contract as accord uses it: a flat, typed view of one ODCS v3 schema object.

Every compiler (Arrow, pandera, Great Expectations) reads this object and nothing else, so a rule added to
the contract file reaches all three targets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from accord.contracts.codelists import Code
from accord.contracts.identity import IdentityDeclaration

LOGICAL_TYPES = ("string", "integer", "number", "boolean", "date", "time", "timestamp", "array")
ITEM_TYPES = ("string", "integer", "number", "boolean", "date", "timestamp")  # what an array's items may be
CLASSIFICATIONS = ("public", "restricted", "pii")

Bound = int | float | Decimal | dt.date | dt.datetime | dt.time


@dataclass(frozen=True)
class Field:
    name: str
    logical_type: str
    required: bool = False
    unique: bool = False
    primary_key_position: int | None = None
    classification: str = "public"
    codes: tuple[Code, ...] | None = None
    pattern: str | None = None
    format: str | None = None  # a string format accord checks (accord.contracts.formats): email, uri, uuid
    minimum: Bound | None = None
    maximum: Bound | None = None
    min_length: int | None = None
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    default_timezone: str = "UTC"
    description: str = ""
    description_fr: str = ""
    examples: tuple[Any, ...] = ()
    unit: str | None = None  # custom property ``unit``: kW, m, CAD (shown in docs and metadata, not converted)
    items: Field | None = None  # an array's items (named ``<field>[]``), with their own type and constraints
    min_items: int | None = None
    max_items: int | None = None
    unique_items: bool = False
    list_delimiter: str | None = None  # custom property ``tableSchemaDelimiter``: a Table Schema list's delimiter

    @property
    def enum(self) -> tuple[str, ...] | None:
        return tuple(c.value for c in self.codes) if self.codes is not None else None

    @property
    def is_decimal(self) -> bool:
        return self.logical_type == "number" and self.scale is not None

    @property
    def type_label(self) -> str:
        """``decimal(12,2)``, ``array<date>``: the logical type with what distinguishes it."""
        if self.items is not None:
            return f"array<{self.items.type_label}>"
        return f"decimal({self.precision},{self.scale})" if self.is_decimal else self.logical_type


@dataclass(frozen=True)
class Survivorship:
    """Which record wins when several share the primary key in the integrated dataset.

    ``latest``: the greatest value of ``field`` (a date or timestamp); ``agency_precedence``: the first agency
    in ``agencies``; ``latest_ingested`` (default): the most recently received submission. Ties always fall
    back to the most recent submission, then the later source file name, then the later source row.
    """

    rule: str = "latest_ingested"
    field: str | None = None
    agencies: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForeignKey:
    """A field whose values must be keys of another contract's integrated dataset (ODCS property-level
    ``relationships: [{type: foreignKey, to: person.person_id}]``), checked when the integrated dataset is
    built. ``on_orphan``: ``warn`` reports the rows whose value is not there, per agency; ``quarantine`` also
    keeps them out of the integrated dataset."""

    column: str
    contract: str
    major: int
    target: str
    on_orphan: str = "warn"

    @property
    def references(self) -> str:
        return f"{self.contract} v{self.major}.{self.target}"


@dataclass(frozen=True)
class Contract:
    id: str
    name: str
    version: str
    api_version: str
    object_name: str
    fields: tuple[Field, ...]
    file: Path
    sha256: str
    status: str = "active"
    description: str = ""
    min_rows: int | None = None
    max_null_percent: tuple[tuple[str, float], ...] = ()
    survivorship: Survivorship = Survivorship()
    foreign_keys: tuple[ForeignKey, ...] = ()
    sunset: str | None = None  # ISO date after which a deprecated version is no longer produced
    identity: IdentityDeclaration | None = None  # how records of one entity are recognised (accord.identity)

    @property
    def major(self) -> int:
        return int(self.version.split(".", 1)[0])

    def produced_on(self, day: str) -> bool:
        """Whether submissions are processed against this version on ``day`` (ISO date): not while it is
        proposed, not once retired, not after its sunset."""
        if self.status in ("proposed", "retired"):
            return False
        return self.sunset is None or day < self.sunset

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def primary_key(self) -> list[str]:
        keyed = [f for f in self.fields if f.primary_key_position is not None]
        return [f.name for f in sorted(keyed, key=lambda f: f.primary_key_position or 0)]

    @property
    def examples(self) -> dict[str, str]:
        """Field -> its first example (``examples``), shown to agencies as a valid value."""
        return {f.name: str(f.examples[0]) for f in self.fields if f.examples}

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def label(self) -> str:
        return f"{self.id} v{self.version}"
