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
    extra_columns: Literal["ignore", "warn", "reject"] = Field(
        "warn", description="columns of the file the mapping does not read: ignore them, name them in the "
                            "report (warn), or refuse the file (reject)")
    column_order: Literal["any", "mapping"] = Field(
        "any", description="mapping: the columns the mapping reads must come in the file in the order the "
                           "mapping reads them (other columns may sit between them); any: in any order")

    @model_validator(mode="after")
    def _layout_for_fixed_width(self) -> SourceSpec:
        if (self.format == "fixed_width") != (self.layout is not None):
            raise ValueError("'layout' is required for format fixed_width, and only for it")
        return self


DAY_FIRST_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
MONTH_FIRST_FORMATS = ["%m/%d/%Y", "%m-%d-%Y", "%Y-%m-%d"]


class DateSpec(_Strict):
    formats: list[str] | None = Field(None, min_length=1, description="strftime formats tried in order")
    day_first: bool | None = Field(None, description="without formats: the day-first or month-first family")
    excel_serial: bool = Field(False, description="also read Excel serial day numbers (46037 = 2026-01-15)")

    @property
    def effective_formats(self) -> list[str]:
        if self.formats:
            return self.formats
        if self.day_first is None:
            return ["%Y-%m-%d"]
        return DAY_FIRST_FORMATS if self.day_first else MONTH_FIRST_FORMATS


class NumberSpec(_Strict):
    decimal: Literal[".", ","] = "."
    thousands: Literal[" ", ",", ".", "'"] | None = None
    multiply: str | None = Field(None, pattern=r"^-?\d+(\.\d+)?$",
                                 description="unit conversion, e.g. '0.01' for cents to dollars")


class BooleanSpec(_Strict):
    true: list[str] = Field(min_length=1)
    false: list[str] = Field(min_length=1)


class CodesSpec(_Strict):
    map: dict[str, str] | None = Field(None, description="agency code -> contract code")
    file: str | None = Field(None, description="CSV beside the mapping with columns 'from' and 'to'")
    unmapped: Literal["quarantine", "null", "keep"] = "quarantine"
    ignore_case: bool = False
    ignore_accents: bool = Field(False, description="also ignores case: 'Québec' matches 'QUEBEC'")

    @model_validator(mode="after")
    def _one_list(self) -> CodesSpec:
        if (self.map is None) == (self.file is None):
            raise ValueError("give exactly one of 'map' or 'file'")
        return self


class ItemsSpec(_Strict):
    """How one cell holds the items of an array field: text split on ``separator`` (each part trimmed), or a
    JSON array (``json: true``; the default for JSON and Parquet sources, whose nested values arrive as JSON).
    The field's ``date``, ``number`` and ``boolean`` settings read each item."""

    separator: str = Field(",", min_length=1, description="what separates the items: 'a;b;c' with ';'")
    as_json: bool | None = Field(None, alias="json", description="the cell is a JSON array: [\"a\", \"b\"]")


class ConcatSpec(_Strict):
    columns: list[str] = Field(min_length=2)
    separator: str = " "


class SplitSpec(_Strict):
    column: str
    separator: str = Field(min_length=1)
    index: int = Field(description="0-based part to keep; -1 is the last part")


class RegexReplace(_Strict):
    pattern: str
    replacement: str = ""


class RegexExtract(_Strict):
    pattern: str
    group: int = Field(1, ge=0)


class Condition(_Strict):
    """A test on one source column's cleaned value: exactly one of equals, in, matches, is_null."""

    column: str
    equals: str | None = None
    in_: list[str] | None = Field(None, alias="in")
    matches: str | None = None
    is_null: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [t for t in (self.equals, self.in_, self.matches, self.is_null) if t is not None]
        if len(tests) != 1:
            raise ValueError("a condition needs exactly one of 'equals', 'in', 'matches', 'is_null'")
        return self


class ValueRef(_Strict):
    from_: str | None = Field(None, alias="from")
    constant: str | int | float | bool | None = None

    @model_validator(mode="after")
    def _one(self) -> ValueRef:
        if (self.from_ is None) == (self.constant is None):
            raise ValueError("give exactly one of 'from' or 'constant'")
        return self


class WhenClause(_Strict):
    if_: Condition = Field(alias="if")
    then: ValueRef


SOURCES = ("from", "concat", "constant", "coalesce", "split", "when")


class FieldSpec(_Strict):
    """How one contract field is produced. Steps run in this order: source (with trim and null tokens on
    every column read), normalize, regex_replace, regex_extract, case, default, codes, then parsing to the
    contract type (date, number, boolean)."""

    from_: str | None = Field(None, alias="from", description="source column")
    concat: ConcatSpec | None = None
    constant: str | int | float | bool | None = None
    coalesce: list[str] | None = Field(None, min_length=2, description="first non-empty of these columns")
    split: SplitSpec | None = None
    when: list[WhenClause] | None = Field(None, min_length=1)
    otherwise: ValueRef | None = None
    trim: bool = True
    null_tokens: list[str] = Field(default_factory=list)
    normalize: Literal["NFC", "NFKC"] | None = None
    regex_replace: list[RegexReplace] = Field(default_factory=list)
    regex_extract: RegexExtract | None = None
    case: Literal["upper", "lower", "title"] | None = None
    default: str | None = Field(None, description="used when the value is empty")
    codes: CodesSpec | None = None
    date: DateSpec | None = None
    number: NumberSpec | None = None
    boolean: BooleanSpec | None = None
    items: ItemsSpec | None = Field(None, description="for an array field: how the cell holds its items")

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        given = [k for k, v in zip(SOURCES, (self.from_, self.concat, self.constant, self.coalesce, self.split,
                                             self.when), strict=True) if v is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(repr(s) for s in SOURCES)} (got {given or 'none'})")
        if self.otherwise is not None and self.when is None:
            raise ValueError("'otherwise' goes with 'when'")
        return self

    @property
    def source_columns(self) -> list[str]:
        columns: list[str] = []
        if self.from_ is not None:
            columns.append(self.from_)
        columns += self.concat.columns if self.concat else []
        columns += self.coalesce or []
        columns += [self.split.column] if self.split else []
        for clause in self.when or []:
            columns.append(clause.if_.column)
            columns += [clause.then.from_] if clause.then.from_ else []
        if self.otherwise is not None and self.otherwise.from_:
            columns.append(self.otherwise.from_)
        return list(dict.fromkeys(columns))


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
