"""The steps of a mapping field (version 2): each one key, run in the order written, text to text, except the
parse steps (date, number, boolean) that read the text as the contract type and come last. Version 1's fixed
step keys use the same models (``accord.mapping.spec_v1``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from accord.mapping.base import Strict

DAY_FIRST_FORMATS = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]
MONTH_FIRST_FORMATS = ["%m/%d/%Y", "%m-%d-%Y", "%Y-%m-%d"]


class DateSpec(Strict):
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


class NumberSpec(Strict):
    decimal: Literal[".", ","] = "."
    thousands: Literal[" ", ",", ".", "'"] | None = None
    multiply: str | None = Field(None, pattern=r"^-?\d+(\.\d+)?$",
                                 description="unit conversion, e.g. '0.01' for cents to dollars")
    round: int | None = Field(None, ge=0, le=18, description="round to this many decimals (half away from "
                                                            "zero) instead of refusing a value with more")


class BooleanSpec(Strict):
    true: list[str] = Field(min_length=1)
    false: list[str] = Field(min_length=1)


Scalar = str | int | float | bool


class CodesSpec(Strict):
    map: dict[str, Scalar] | None = Field(None, description="agency code -> contract value (text, a number, "
                                                            "true/false or a date, read as the field's type)")
    file: str | None = Field(None, description="CSV beside the mapping with columns 'from' and 'to'")
    unmapped: Literal["quarantine", "null", "keep"] = "quarantine"
    ignore_case: bool = False
    ignore_accents: bool = Field(False, description="also ignores case: 'Québec' matches 'QUEBEC'")

    @model_validator(mode="after")
    def _one_list(self) -> CodesSpec:
        if (self.map is None) == (self.file is None):
            raise ValueError("give exactly one of 'map' or 'file'")
        return self


class RegexReplace(Strict):
    pattern: str
    replacement: str = ""


class RegexExtract(Strict):
    pattern: str
    group: int = Field(1, ge=0)


class ReplaceSpec(Strict):
    """Replace literal text: ``find`` (a fixed text) or ``find_column`` (the value of another column of the same
    row, e.g. the street type given apart) by ``with``; ``at: start`` only where the value starts with it."""

    find: str | None = Field(None, min_length=1)
    find_column: str | None = None
    with_: str = Field("", alias="with")
    at: Literal["anywhere", "start", "end"] = "anywhere"

    @model_validator(mode="after")
    def _one(self) -> ReplaceSpec:
        if (self.find is None) == (self.find_column is None):
            raise ValueError("give exactly one of 'find' or 'find_column'")
        return self


class SplitStep(Strict):
    separator: str = Field(min_length=1)
    index: int = Field(description="0-based part to keep; -1 is the last part")


LookupColumn = Literal["code", "label_en", "label_fr"]
LOOKUP_COLUMNS: tuple[LookupColumn, ...] = ("code", "label_en", "label_fr")


class LookupSpec(Strict):
    """Look the value up in a reference table of ``contracts/reference/`` (``table``: its file name): the row
    whose column ``match`` (default: any of code, label_en, label_fr) holds the value gives its ``code``."""

    table: str = Field(pattern=r"^[A-Za-z0-9_.-]+\.csv$")
    match: list[LookupColumn] = Field(default_factory=lambda: list(LOOKUP_COLUMNS), min_length=1)
    ignore_accents: bool = Field(True, description="'Québec', 'QUEBEC' and 'quebec' all match")
    unmapped: Literal["quarantine", "null", "keep"] = "quarantine"


STEP_KINDS = ("trim", "case", "normalize", "replace", "regex_replace", "regex_extract", "split", "default",
              "null_if", "codes", "lookup", "date", "number", "boolean")
PARSE_STEPS = ("date", "number", "boolean")  # read the text as the contract type: the last step


class Step(Strict):
    """One step: exactly one key. ``trim`` may be written alone (``- trim``)."""

    trim: bool | None = None
    case: Literal["upper", "lower", "title"] | None = None
    normalize: Literal["NFC", "NFKC"] | None = None
    replace: ReplaceSpec | None = None
    regex_replace: RegexReplace | None = None
    regex_extract: RegexExtract | None = None
    split: SplitStep | None = None
    default: str | None = Field(None, description="the value when it is still empty")
    null_if: list[str] | None = Field(None, min_length=1, description="values that mean 'missing' at this point")
    codes: CodesSpec | None = None
    lookup: LookupSpec | None = None
    date: DateSpec | None = None
    number: NumberSpec | None = None
    boolean: BooleanSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, value: object) -> object:
        return {value: True} if value in ("trim",) else value

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        given = [k for k in STEP_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"a step has exactly one of {', '.join(STEP_KINDS)} (got {given or 'none'})")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in STEP_KINDS if getattr(self, k) is not None)


