"""A mapping's ``source``: how the agency's extract files are read (format, encoding, separator, sheet, header
row, what is missing, which columns may come)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from accord.mapping.base import Strict


class FixedWidthField(Strict):
    name: str = Field(min_length=1)
    start: int = Field(ge=1, description="1-based position of the first character")
    width: int = Field(ge=1)


class SourceSpec(Strict):
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
    strict_format: bool = Field(
        False, description="true: read the file exactly as declared; false (the default): the same table saved "
                           "another way (another separator or encoding, a workbook for a CSV mapping or the "
                           "reverse) is read anyway, and the report says so")
    json_types: Literal["strict", "coerce"] = Field(
        "strict", description="JSON and NDJSON: strict (the default): a value read as it is must have the JSON type "
                              "of its field (the string \"12\" is not an integer, the number 12 is not text); "
                              "coerce: read every value's text as the field's type, as for a CSV file")
    column_order: Literal["any", "mapping"] = Field(
        "any", description="mapping: the columns the mapping reads must come in the file in the order the "
                           "mapping reads them (other columns may sit between them); any: in any order")

    @model_validator(mode="after")
    def _layout_for_fixed_width(self) -> SourceSpec:
        if (self.format == "fixed_width") != (self.layout is not None):
            raise ValueError("'layout' is required for format fixed_width, and only for it")
        return self
