"""One extract through read -> map -> row rules -> uniqueness: what is published, what is quarantined and why.

Memory is bounded by the batch size, not by the size of the file:

1. batch by batch, the records are mapped and checked by the row rules; records with a problem go to the
   quarantine work file as received, the others are candidates, kept typed in a work file; the values of
   unique fields go to a key file;
2. uniqueness, which needs the whole extract, is checked on the key file (``accord.validation.uniqueness``);
3. the candidates that hold no duplicated value are handed to ``publish`` batch by batch and measured for
   the dataset rules; the others join the quarantine file as received, from the first pass's work file.

Nothing is written outside ``work``; a file that cannot be processed at all comes back ``rejected`` with
the reason, never as an exception.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from accord.accounting import all_accounted
from accord.checksums import file_sha256
from accord.contracts.types import polars_schema
from accord.errors import AccordError, ExtractRejected
from accord.intake.limits import Limits
from accord.mapping import Mapping, absent_notes, apply_mapping
from accord.mapping.header import HeaderVerdict, judge_header
from accord.mapping.joins import join_batch, prepared
from accord.mapping.json_types import json_type_errors
from accord.mapping.rows import FILTERED_COLUMNS, RecordBudget, shape
from accord.publish.stream import WorkParts
from accord.readers import RawExtract, iter_extract, read_extract
from accord.readers.delivery import open_delivery
from accord.readers.same_table import same_table
from accord.reasons import ERROR_COLUMNS, RAW_RECORD, ROW, error_frame
from accord.validation import DatasetMetrics, RowSchema
from accord.validation.uniqueness import duplicate_errors, held_repeated, key_columns, repeated_values, unique_fields

Publish = Callable[[pl.DataFrame], None]
_CANDIDATE = "_candidate"


@dataclass
class ExtractOutcome:
    """What became of one extract file. Every source record is published, quarantined or filtered:
    ``rows_in == records_published + rows_quarantined + rows_filtered`` always (``rows_published`` counts the
    records published, which explode and unpivot can make more numerous than the source records they come
    from). ``errors``, ``quarantined`` and ``filtered`` are work files (sorted by source row), None when empty."""

    source_file: str
    source_sha256: str
    received_at: dt.datetime
    rows_in: int
    rows_published: int
    rows_quarantined: int
    rejected: str | None
    rejection_reason: str | None = None
    rule_counts: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    errors: Path | None = None
    quarantined: Path | None = None
    extra_columns: list[str] = field(default_factory=list)  # not read by the mapping (its extra_columns: warn)
    read_notes: list[dict[str, str]] = field(default_factory=list)  # read unlike declared ({"en", "fr"} each)
    rows_filtered: int = 0
    records_published: int | None = None  # source records published (None: one record each, rows_published)
    filtered: Path | None = None

    @property
    def source_records_published(self) -> int:
        return self.rows_published if self.records_published is None else self.records_published

    def error_records(self) -> pl.DataFrame:
        return pl.read_parquet(self.errors) if self.errors else pl.DataFrame(schema=ERROR_COLUMNS)


def _drop_echoes(row_errors: pl.DataFrame, mapping_errors: pl.DataFrame) -> pl.DataFrame:
    """A value the mapping could not convert is null afterwards; its ``required`` failure is an echo of the
    mapping error already reported for the same cell."""
    cells = mapping_errors.select(ROW, "column").with_columns(pl.lit(True).alias("_echo"))
    joined = row_errors.join(cells, on=[ROW, "column"], how="left")
    return joined.filter(~(pl.col("_echo").fill_null(False) & (pl.col("rule") == "required"))).drop("_echo")


class _Work:
    """The work files of one extract and the counts of the first pass."""

    def __init__(self, folder: Path) -> None:
        self.candidates = WorkParts(folder / "candidates")  # typed values of rows without a problem
        self.records = WorkParts(folder / "records")  # the same rows as received, should one be a duplicate
        self.quarantine = WorkParts(folder / "quarantine")
        self.errors = WorkParts(folder / "errors")
        self.keys = WorkParts(folder / "keys")
        self.filtered = WorkParts(folder / "filtered")  # source records a filter set aside, with the reason
        self.rows_in = 0
        self.header: HeaderVerdict | None = None  # what the first batch's header decided (refused, extra, absent)
        self.notes: list[dict[str, str]] = []  # how the file was read unlike the mapping says (en, fr)
        self.dropped: list[pl.Series] = []  # several targets: source records one of them quarantines

    def close(self) -> None:
        for parts in (self.candidates, self.records, self.quarantine, self.errors, self.keys, self.filtered):
            parts.finish()


@dataclass
class _Delivery:
    """The target's file of a delivery and the other files it joins, prepared (``accord.mapping.joins``)."""

    base: Path
    tables: dict[str, pl.DataFrame]


def _open_delivery(file: Path, mapping: Mapping, work_dir: Path, limits: Limits | None) -> _Delivery | None:
    spec = mapping.spec
    if spec.delivery is None or spec.file is None:
        return None
    limits = limits or Limits.from_env()
    members = open_delivery(file, spec.delivery, work_dir / "delivery", limits)
    tables = {}
    for join in spec.joins:
        table = read_extract(members[join.file], spec.delivery.files[join.file], limits).frame
        missing = [c for c in join.on.values() if c not in table.columns]
        if missing:
            raise ExtractRejected(f"the delivery's file {join.file} has no column {', '.join(missing)} to join on",
                                  reason="missing-column", file=file)
        tables[join.file] = prepared(join, table)
    return _Delivery(members[spec.file], tables)


def _joined(frame: pl.DataFrame, mapping: Mapping, delivery: _Delivery | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A batch with the joined files' columns, and the errors of the records the joins quarantine."""
    errors = [error_frame([])]
    if delivery is None:
        return frame, errors[0]
    for join in mapping.spec.joins:
        if any(c not in frame.columns for c in join.on):
            continue  # the header check reports the missing key column
        frame, found = join_batch(frame, join, delivery.tables[join.file])
        errors.append(found)
    return frame, pl.concat(errors)


def _first_pass(file: Path, mapping: Mapping, schema: RowSchema, work: _Work, limits: Limits | None,
                delivery: _Delivery | None) -> None:
    fields = unique_fields(mapping.contract)
    limits = limits or Limits.from_env()
    budget = RecordBudget(limits.max_records_per_row, limits.max_records_per_file, limits.max_records_at_once)
    source = mapping.spec.source
    if delivery is None:  # the same table saved another way is read anyway, and said so
        source, work.notes = same_table(file, source, list(dict.fromkeys(
            c for spec in mapping.specs for c in spec.required_columns)))
    for raw in iter_extract(delivery.base if delivery else file, source, limits):
        work.rows_in += raw.rows_in
        frame, join_errors = _joined(raw.frame, mapping, delivery)
        first = work.header is None
        header = work.header = work.header or judge_header(mapping, frame)
        if first:
            work.notes += absent_notes(header.absent)
            if header.refused:  # nothing can be mapped: every record is quarantined, with the reason
                row, (reason, columns) = mapping.spec.source.header_row, header.refused
                work.errors.write(error_frame([(row, None, reason, header.similar.get(c), c) for c in columns]))
        work.errors.write(raw.malformed)
        if header.refused:
            work.quarantine.write(raw.frame)
            continue
        if header.absent:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in header.absent)
        work.errors.write(join_errors)
        bad = [join_errors.get_column(ROW)]
        set_aside: list[pl.Series] = []
        filtered: list[pl.DataFrame] = []
        for spec in mapping.specs:  # one target, or each target of the contract: their records united
            target = mapping.branch(spec) if mapping.branches else mapping
            aside = []
            for shaped in shape(spec, frame, budget):  # slices of bounded size, each source record whole
                filtered.append(shaped.filtered)
                work.errors.write(shaped.too_many)
                aside.append(shaped.filtered.get_column(ROW))
                bad.append(shaped.too_many.get_column(ROW))
                if shaped.frame.is_empty():
                    continue
                errors = _row_errors(target, schema, shaped.frame, raw.json_kinds)
                work.errors.write(errors.errors)
                bad.append(errors.errors.get_column(ROW))
                good = ~pl.col(ROW).is_in(pl.concat([errors.errors.get_column(ROW),
                                                     join_errors.get_column(ROW)]).implode())
                work.candidates.write(errors.values.filter(good))
                if fields:
                    work.keys.write(key_columns(errors.values, errors.source_text, fields)
                                    .with_columns(good.alias(_CANDIDATE)))
            set_aside.append(pl.concat(aside).unique() if aside else pl.Series(ROW, [], dtype=pl.Int64))
        bad_rows = pl.concat(bad).unique()
        aside_rows = set_aside[0]
        for other in set_aside[1:]:  # set aside only when no target keeps the record
            aside_rows = aside_rows.filter(aside_rows.is_in(other.implode()))
        if mapping.branches:  # a record one target quarantines is not published by the others either
            work.dropped.append(bad_rows)
            reasons = pl.concat(filtered).filter(pl.col(ROW).is_in(aside_rows.implode()))
            filtered = [reasons.unique(ROW, keep="first", maintain_order=True).sort(ROW)]  # the first target's
        for part in filtered:
            work.filtered.write(part)
        good = ~pl.col(ROW).is_in(bad_rows.implode())
        kept = ~pl.col(ROW).is_in(aside_rows.implode())
        work.quarantine.write(raw.frame.filter(~good & kept))
        if fields:
            work.records.write(raw.frame.filter(good & kept))


@dataclass(frozen=True)
class _Checked:
    values: pl.DataFrame
    source_text: pl.DataFrame
    errors: pl.DataFrame


def _row_errors(mapping: Mapping, schema: RowSchema, frame: pl.DataFrame, kinds: pl.DataFrame | None) -> _Checked:
    """A slice mapped and checked: its contract values and every error of its records (mapping, JSON type, row
    rules; the JSON type's error replaces any other on that cell)."""
    mapped = apply_mapping(mapping, frame)
    row_errors = mapped.with_source_values(_drop_echoes(schema.check(mapped.values), mapped.errors))
    errors = pl.concat([mapped.errors, row_errors])
    json_errors = json_type_errors(mapping, kinds, frame)
    if not json_errors.is_empty():
        errors = pl.concat([json_errors, errors.join(json_errors, on=[ROW, "column"], how="anti")])
    return _Checked(mapped.values, mapped.source_text, errors)


def _sorted_quarantine(work: _Work, errors: pl.DataFrame, retracted: pl.Series) -> pl.DataFrame:
    """Every quarantined record as received (unparsable ones as ``_raw_record``), by source row."""
    malformed = errors.filter(pl.col("rule") == "malformed-record").select(ROW, pl.col("value").alias(RAW_RECORD))
    parts = [part for part in (work.quarantine.lazy(), malformed.lazy()) if part is not None]
    records = work.records.lazy()
    if retracted.len() and records is not None:
        parts.append(records.filter(pl.col(ROW).is_in(retracted.implode())))
    return pl.concat(parts, how="diagonal").sort(ROW).collect()


def stream_extract(file: Path, mapping: Mapping, schema: RowSchema, work_dir: Path, publish: Publish | None = None,
                   *, sha256: str | None = None, limits: Limits | None = None,
                   received: dt.datetime | None = None) -> ExtractOutcome:
    """Process ``file``; hand each batch of published rows (contract columns + ``_source_row``) to
    ``publish``. Work files are written in ``work_dir``. ``received``: when it was delivered (default: the
    file's modification time)."""
    sha = sha256 or file_sha256(file)
    when = received or dt.datetime.fromtimestamp(int(file.stat().st_mtime), dt.UTC)
    work = _Work(work_dir)
    try:
        return _process(file, mapping, schema, work, work_dir, publish, sha, when, limits)
    except ExtractRejected as exc:
        return ExtractOutcome(file.name, sha, when, 0, 0, 0, f"{exc.reason}: {exc.message}",
                              rejection_reason=exc.reason)
    finally:
        work.close()


def _process(file: Path, mapping: Mapping, schema: RowSchema, work: _Work, work_dir: Path, publish: Publish | None,
             sha: str, when: dt.datetime, limits: Limits | None) -> ExtractOutcome:
    _first_pass(file, mapping, schema, work, limits, _open_delivery(file, mapping, work_dir, limits))
    contract = mapping.contract
    fields = unique_fields(contract)
    keys = work.keys.lazy()
    dropped = pl.concat(work.dropped).unique() if work.dropped else pl.Series(ROW, [], dtype=pl.Int64)
    if keys is not None and dropped.len():  # several targets: not a candidate when another target quarantines it
        keys = keys.with_columns(pl.col(_CANDIDATE) & ~pl.col(ROW).is_in(dropped.implode()))
    repeated = repeated_values(keys, fields, work.rows_in) if keys is not None else {}
    duplicates = duplicate_errors(keys, fields, work.rows_in, repeated) if keys is not None else error_frame([])
    errors = pl.concat([*work.errors.batches(), duplicates]).sort([ROW, "column"], nulls_last=True)
    retracted = pl.Series(ROW, [], dtype=pl.Int64)
    if keys is not None and not duplicates.is_empty():
        retracted = keys.filter(pl.col(_CANDIDATE) & pl.col(ROW).is_in(duplicates.get_column(ROW).unique().implode())
                                ).select(ROW).collect().get_column(ROW)
    header = work.header or HeaderVerdict()
    refused = header.refused
    metrics = DatasetMetrics(contract)
    published = 0
    withheld = pl.concat([retracted, dropped]).unique()
    for batch in work.candidates.batches():
        batch = batch.filter(~pl.col(ROW).is_in(withheld.implode())) if withheld.len() else batch
        metrics.add(batch.select(contract.field_names))
        published += batch.height
        if publish is not None and batch.height:
            publish(batch)
    if metrics.rows == 0:  # no row published: the dataset rules still see the contract's columns
        metrics.add(pl.DataFrame(schema=polars_schema(contract)))
    quarantined = _sorted_quarantine(work, errors, retracted)
    quarantine_file = work_dir / "quarantined.parquet"
    errors_file = work_dir / "errors.parquet"
    filtered_file = work_dir / "filtered.parquet"
    if not quarantined.is_empty():
        quarantined.write_parquet(quarantine_file, compression="lz4")
    if not errors.is_empty():
        errors.write_parquet(errors_file, compression="lz4")
    filtered_parts = work.filtered.lazy()
    filtered = filtered_parts.sort(ROW).collect() if filtered_parts is not None else pl.DataFrame()
    if not filtered.is_empty():
        filtered.write_parquet(filtered_file, compression="lz4")
    records_published = None
    if mapping.spec.rows or mapping.branches:  # several published records may share one source record
        candidates = work.candidates.lazy()
        records_published = int(candidates.filter(~pl.col(ROW).is_in(withheld.implode())).select(
            pl.col(ROW).n_unique()).collect().item()) if candidates is not None else 0
    outcome = ExtractOutcome(
        source_file=file.name, source_sha256=sha, received_at=when, rows_in=work.rows_in,
        rows_published=published, rows_quarantined=quarantined.height,
        rejected=f"{refused[0]}: " + ", ".join(f"{c} ({header.similar[c]}?)" if c in header.similar else c
                                               for c in refused[1]) if refused else None,
        rejection_reason=refused[0] if refused else None, extra_columns=header.extra,
        rule_counts=dict(errors.group_by("rule").len().sort("rule").rows()), read_notes=work.notes,
        metrics=metrics.result(_published_duplicates(keys, repeated, retracted)),
        errors=errors_file if not errors.is_empty() else None,
        quarantined=quarantine_file if not quarantined.is_empty() else None,
        rows_filtered=filtered.height, records_published=records_published,
        filtered=filtered_file if not filtered.is_empty() else None,
    )
    if not all_accounted(outcome.rows_in, outcome.source_records_published, outcome.rows_quarantined,
                    outcome.rows_filtered):  # an engine bug, never data
        raise AccordError(f"row accounting broken: {outcome.rows_in} in, {outcome.source_records_published} "
                          f"published, {outcome.rows_quarantined} quarantined, {outcome.rows_filtered} filtered",
                          file=file)
    return outcome


def _published_duplicates(keys: pl.LazyFrame | None, repeated: dict[str, pl.DataFrame],
                          retracted: pl.Series) -> dict[str, int]:
    """Per unique field, published records holding a value another record holds (0 when the engine works: the
    dataset rules check it independently)."""
    if keys is None:
        return {}
    return held_repeated(keys.filter(pl.col(_CANDIDATE) & ~pl.col(ROW).is_in(retracted.implode())), repeated)


@dataclass
class ExtractFrames:
    """An extract's outcome with its published rows, error records and quarantined records in memory (small
    files, tests)."""

    outcome: ExtractOutcome
    published: pl.DataFrame
    errors: pl.DataFrame
    quarantined: pl.DataFrame
    filtered: pl.DataFrame  # source records set aside by a filter: _source_row, reason

    def __getattr__(self, name: str) -> Any:
        return getattr(self.outcome, name)


def process_extract(file: Path, mapping: Mapping, schema: RowSchema, *, sha256: str | None = None,
                    limits: Limits | None = None) -> ExtractFrames:
    """``stream_extract`` with everything returned in memory."""
    batches: list[pl.DataFrame] = []
    with tempfile.TemporaryDirectory(prefix="accord-") as work:
        outcome = stream_extract(file, mapping, schema, Path(work), batches.append, sha256=sha256, limits=limits)
        quarantined = pl.read_parquet(outcome.quarantined) if outcome.quarantined else pl.DataFrame()
        filtered = pl.read_parquet(outcome.filtered) if outcome.filtered else pl.DataFrame(schema=FILTERED_COLUMNS)
        errors = outcome.error_records()
    published = pl.concat(batches) if batches else pl.DataFrame(
        schema={ROW: pl.Int64, **polars_schema(mapping.contract)})
    return ExtractFrames(outcome, published, errors, quarantined, filtered)


__all__ = ["RAW_RECORD", "ExtractFrames", "ExtractOutcome", "RawExtract", "process_extract", "stream_extract"]
