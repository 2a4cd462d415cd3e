"""One extract through read -> map -> row rules: what is published, what is quarantined and why.
Pure: reads the file, writes nothing. A file that cannot be processed at all comes back ``rejected``
with the reason, never as an exception."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from accord.checksums import file_sha256
from accord.errors import AccordError, ExtractRejected
from accord.intake.limits import Limits
from accord.mapping import Mapping, apply_mapping, missing_columns
from accord.publish.parquet import received_at
from accord.readers import read_extract
from accord.reasons import ERROR_COLUMNS, ROW, error_frame
from accord.validation import RowSchema


@dataclass
class ExtractOutcome:
    """What became of one extract file. ``rows_in == rows_published + rows_quarantined`` always."""

    source_file: str
    source_sha256: str
    received_at: dt.datetime
    rows_in: int
    rows_published: int
    rows_quarantined: int
    rejected: str | None
    errors: pl.DataFrame
    published: pl.DataFrame
    quarantined: pl.DataFrame
    rejection_reason: str | None = None

    @property
    def rule_counts(self) -> dict[str, int]:
        counts = self.errors.group_by("rule").len().sort("rule").rows()
        return {rule: n for rule, n in counts}


def _drop_echoes(row_errors: pl.DataFrame, mapping_errors: pl.DataFrame) -> pl.DataFrame:
    """A value the mapping could not convert is null afterwards; its ``required`` failure is an echo of the
    mapping error already reported for the same cell."""
    cells = mapping_errors.select(ROW, "column").with_columns(pl.lit(True).alias("_echo"))
    joined = row_errors.join(cells, on=[ROW, "column"], how="left")
    return joined.filter(~(pl.col("_echo").fill_null(False) & (pl.col("rule") == "required"))).drop("_echo")


def process_extract(file: Path, mapping: Mapping, schema: RowSchema, *, sha256: str | None = None,
                    limits: Limits | None = None) -> ExtractOutcome:
    """Read, map and row-check one extract."""
    sha = sha256 or file_sha256(file)
    when = received_at(file)
    empty = pl.DataFrame(schema={ROW: pl.Int64})
    try:
        raw = read_extract(file, mapping.spec.source, limits)
    except ExtractRejected as exc:
        return ExtractOutcome(file.name, sha, when, 0, 0, 0, f"{exc.reason}: {exc.message}",
                              pl.DataFrame(schema=ERROR_COLUMNS), empty, empty, rejection_reason=exc.reason)
    missing = missing_columns(mapping, raw.frame)
    if missing:  # nothing can be mapped: every record is quarantined, with the reason
        header = mapping.spec.source.header_row
        errors = error_frame([(header, None, "missing-column", None, column) for column in missing])
        return ExtractOutcome(file.name, sha, when, raw.rows_in, 0, raw.rows_in,
                              f"missing-column: {', '.join(missing)}", pl.concat([errors, raw.malformed]), empty,
                              raw.frame, rejection_reason="missing-column")
    mapped = apply_mapping(mapping, raw.frame)
    row_errors = mapped.with_source_values(_drop_echoes(schema.check(mapped.values), mapped.errors))
    errors = pl.concat([raw.malformed, mapped.errors, row_errors]).sort([ROW, "column"], nulls_last=True)
    bad_rows = errors.get_column(ROW).unique().implode()
    published = mapped.values.filter(~pl.col(ROW).is_in(bad_rows))
    quarantined = raw.frame.filter(pl.col(ROW).is_in(bad_rows))
    outcome = ExtractOutcome(
        source_file=file.name, source_sha256=sha, received_at=when, rows_in=raw.rows_in,
        rows_published=published.height, rows_quarantined=quarantined.height + raw.malformed.height,
        rejected=None, errors=errors, published=published, quarantined=quarantined,
    )
    if outcome.rows_in != outcome.rows_published + outcome.rows_quarantined:  # an engine bug, never data
        raise AccordError(f"row accounting broken: {outcome.rows_in} in, {outcome.rows_published} published, "
                          f"{outcome.rows_quarantined} quarantined", file=file)
    return outcome
