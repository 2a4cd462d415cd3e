"""The mapping file format (v1): how one agency's extract maps onto one contract.

Declarative only: every construct is data interpreted by ``accord.mapping.compile``; nothing is evaluated.
Unknown keys are refused (``extra="forbid"``) so a typo is an error, not a silently ignored setting.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

AGENCY_ID = r"^[a-z][a-z0-9_]{1,31}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class FixedWidthField(_Strict):
    name: str = Field(min_length=1)
    start: int = Field(ge=1, description="1-based position of the first character")
    width: int = Field(ge=1)


class SourceSpec(_Strict):
    """How to read the agency's extract files."""

    pattern: str = Field("*", description="glob of file names in landing/<agency>/ that feed this mapping")
    format: Literal["csv", "excel", "ndjson", "json", "parquet", "fixed_width"]
    encoding: str | None = Field(None, description="text encoding; detected when absent")
    delimiter: str | None = Field(None, min_length=1, max_length=1, description="detected when absent")
    quote: str = Field('"', min_length=1, max_length=1)
    sheet: str | None = Field(None, description="spreadsheet sheet name; the first sheet when absent")
    header_row: int = Field(1, ge=1, description="1-based row holding the column names")
    null_tokens: list[str] = Field(default_factory=lambda: [""], description="values read as missing")
    layout: list[FixedWidthField] | None = Field(None, description="columns of a fixed_width file")

    @model_validator(mode="after")
    def _layout_for_fixed_width(self) -> SourceSpec:
        if (self.format == "fixed_width") != (self.layout is not None):
            raise ValueError("'layout' is required for format fixed_width, and only for it")
        return self


class DateSpec(_Strict):
    formats: list[str] = Field(min_length=1, description="strftime formats tried in order, e.g. %d/%m/%Y")


class NumberSpec(_Strict):
    decimal: Literal[".", ","] = "."
    thousands: Literal[" ", ",", ".", "'"] | None = None


class CodesSpec(_Strict):
    map: dict[str, str] = Field(min_length=1, description="agency code -> contract code")
    unmapped: Literal["quarantine", "null", "keep"] = "quarantine"
    ignore_case: bool = False


class ConcatSpec(_Strict):
    columns: list[str] = Field(min_length=2)
    separator: str = " "


class FieldSpec(_Strict):
    """How one contract field is produced. Steps run in the order: source, trim, null tokens, case, codes,
    then parsing to the contract type (date, number, ...)."""

    from_: str | None = Field(None, alias="from", description="source column")
    concat: ConcatSpec | None = None
    constant: str | int | float | bool | None = None
    trim: bool = True
    null_tokens: list[str] = Field(default_factory=list)
    case: Literal["upper", "lower", "title"] | None = None
    codes: CodesSpec | None = None
    date: DateSpec | None = None
    number: NumberSpec | None = None

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        given = [k for k, v in (("from", self.from_), ("concat", self.concat), ("constant", self.constant))
                 if v is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of 'from', 'concat' or 'constant' (got {given or 'none'})")
        return self

    @property
    def source_columns(self) -> list[str]:
        if self.from_ is not None:
            return [self.from_]
        if self.concat is not None:
            return list(self.concat.columns)
        return []


class MappingSpec(_Strict):
    mapping_version: Literal[1]
    agency: str = Field(pattern=AGENCY_ID)
    contract: str
    contract_version: int = Field(ge=1, description="major version of the contract this mapping targets")
    source: SourceSpec
    fields: dict[str, FieldSpec] = Field(min_length=1)

    @property
    def source_columns(self) -> list[str]:
        seen: dict[str, None] = {}
        for spec in self.fields.values():
            for column in spec.source_columns:
                seen[column] = None
        return list(seen)
