"""What every reader returns: all values as text, the source row of each record, unparsable records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from accord.errors import ExtractRejected
from accord.intake.limits import Limits
from accord.reasons import ERROR_COLUMNS, RESERVED_COLUMNS, ROW, error_frame


@dataclass
class RawExtract:
    """``frame``: one String column per source column plus ``_source_row``; ``malformed``: records that
    could not be parsed at all, as error records (rule ``malformed-record``); ``json_kinds`` (JSON sources):
    the JSON type of each value (``string``, ``number``, ``boolean``, ``object``, ``array``; null for null or
    absent), one column per source column plus ``_source_row``."""

    frame: pl.DataFrame
    malformed: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ERROR_COLUMNS))
    encoding: str | None = None
    json_kinds: pl.DataFrame | None = None

    @property
    def rows_in(self) -> int:
        return self.frame.height + self.malformed.height


def checked_header(file: Path, header: list[str], limits: Limits) -> list[str]:
    """The column names, or a rejection: too many, none, blank or duplicated names."""
    if len(header) > limits.max_columns:
        raise ExtractRejected(f"the file has {len(header)} columns, above the limit of {limits.max_columns}",
                              reason="too-many-columns", file=file)
    names = [h.strip() if h is not None else "" for h in header]
    if not names or all(n == "" for n in names):
        raise ExtractRejected("the file has no header row", reason="no-header", file=file)
    blank = [i + 1 for i, n in enumerate(names) if n == ""]
    if blank:
        raise ExtractRejected(f"header has empty column names at positions {blank}", reason="blank-header",
                              file=file)
    reserved = [n for n in names if n in RESERVED_COLUMNS]
    if reserved:
        raise ExtractRejected(f"column name {reserved[0]!r} is reserved by accord (it names the source row of each "
                              "record in its reports): rename the column", reason="reserved-column", file=file)
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ExtractRejected(f"duplicate column names in header: {', '.join(duplicates)}",
                              reason="duplicate-header", file=file)
    return names


def finish(frame: pl.DataFrame, malformed: list[tuple[int, str, str]], limits: Limits,
           encoding: str | None = None, *, nul_checked: bool = False) -> RawExtract:
    """A record with a value longer than the limit, or holding a NUL character, becomes malformed
    (``nul_checked``: the caller knows there is no NUL)."""
    names = [c for c in frame.columns if c != ROW]
    if names and frame.height:
        # a value has at most as many characters as bytes: count characters only where bytes exceed the limit
        suspect = pl.any_horizontal([pl.col(c).str.len_bytes() > limits.max_field_chars for c in names])
        if not nul_checked:
            suspect = suspect | pl.any_horizontal([pl.col(c).str.contains("\x00", literal=True) for c in names])
        longest = pl.max_horizontal([pl.col(c).str.len_chars().fill_null(0) for c in names]).alias("_longest")
        nul = pl.any_horizontal([pl.col(c).str.contains("\x00", literal=True).fill_null(False)
                                 for c in names]).alias("_nul")
        flagged = frame.filter(suspect.fill_null(False)).select(ROW, longest, nul).filter(
            pl.col("_nul") | (pl.col("_longest") > limits.max_field_chars))
        for row, length, has_nul in flagged.iter_rows():
            reason = ("a value contains a NUL character" if has_nul else
                      f"a value is {length} characters long, above the limit of {limits.max_field_chars}")
            malformed.append((row, "", reason))
        if flagged.height:
            frame = frame.filter(~pl.col(ROW).is_in(flagged.get_column(ROW).implode()))
    errors = error_frame([(row, None, "malformed-record", raw[:200], reason) for row, raw, reason in sorted(malformed)])
    return RawExtract(frame=frame, malformed=errors, encoding=encoding)


def build_extract(file: Path, header: list[str], records: list[tuple[int, list[str | None]]],
                  malformed: list[tuple[int, str, str]], limits: Limits, encoding: str | None = None) -> RawExtract:
    """Assemble a ``RawExtract`` from a header, ``(source_row, values)`` records and malformed records
    ``(source_row, raw_text, reason)``."""
    names = checked_header(file, header, limits)
    columns = {name: [values[i] for _, values in records] for i, name in enumerate(names)}
    frame = pl.DataFrame(
        {ROW: [row for row, _ in records], **columns},
        schema={ROW: pl.Int64, **dict.fromkeys(names, pl.String)},
    )
    return finish(frame, list(malformed), limits, encoding)


def concat_batches(batches: Iterable[RawExtract]) -> RawExtract:
    """Batches of one extract as a single ``RawExtract`` (for small files and tests)."""
    parts = list(batches)
    frame = pl.concat([p.frame for p in parts], how="vertical") if parts else pl.DataFrame(schema={ROW: pl.Int64})
    malformed = pl.concat([p.malformed for p in parts]) if parts else pl.DataFrame(schema=ERROR_COLUMNS)
    kinds = [p.json_kinds for p in parts if p.json_kinds is not None]
    return RawExtract(frame=frame, malformed=malformed, encoding=parts[0].encoding if parts else None,
                      json_kinds=pl.concat(kinds) if kinds else None)
