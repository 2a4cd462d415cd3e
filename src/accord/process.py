"""The engine: one extract through read -> map -> row rules, then an agency's extracts to published
Parquet, quarantine files, dataset rules and a result record. No orchestrator here."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from accord.errors import AccordError, ExtractRejected
from accord.mapping import Mapping, apply_mapping, missing_columns
from accord.publish.manifest import build_manifest, write_manifest
from accord.publish.parquet import agency_dir, contract_dir, received_at, to_table
from accord.publish.pseudonym import PseudonymKey, load_key
from accord.publish.quarantine import error_report, quarantine_dir, write_errors_csv
from accord.publish.snapshots import publication_lock, publish_snapshot
from accord.readers import read_extract
from accord.reasons import ERROR_COLUMNS, ROW, error_frame
from accord.settings import DataDirs
from accord.validation import DatasetResult, RowSchema, row_schema, run_dataset_rules


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


def process_extract(file: Path, mapping: Mapping, schema: RowSchema) -> ExtractOutcome:
    """Read, map and row-check one extract. Pure: writes nothing."""
    data = file.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    empty_values = pl.DataFrame(schema={ROW: pl.Int64})
    raw = read_extract(file, mapping.spec.source)
    missing = missing_columns(mapping, raw.frame)
    if missing:
        header = mapping.spec.source.header_row
        errors = error_frame([(header, None, "missing-column", None, column) for column in missing])
        errors = pl.concat([errors, raw.malformed])
        return ExtractOutcome(file.name, sha, received_at(file), raw.rows_in, 0, raw.rows_in,
                              f"missing columns: {', '.join(missing)}", errors, empty_values, raw.frame)
    mapped = apply_mapping(mapping, raw.frame)
    row_errors = mapped.with_source_values(_drop_echoes(schema.check(mapped.values), mapped.errors))
    errors = pl.concat([raw.malformed, mapped.errors, row_errors]).sort([ROW, "column"], nulls_last=True)
    bad_rows = errors.get_column(ROW).unique()
    published = mapped.values.filter(~pl.col(ROW).is_in(bad_rows.implode()))
    quarantined = raw.frame.filter(pl.col(ROW).is_in(bad_rows.implode()))
    outcome = ExtractOutcome(
        source_file=file.name, source_sha256=sha, received_at=received_at(file), rows_in=raw.rows_in,
        rows_published=published.height,
        rows_quarantined=quarantined.height + raw.malformed.height, rejected=None, errors=errors,
        published=published, quarantined=quarantined,
    )
    if outcome.rows_in != outcome.rows_published + outcome.rows_quarantined:  # an engine bug, never data
        raise AccordError(f"row accounting broken: {outcome.rows_in} in, {outcome.rows_published} published, "
                          f"{outcome.rows_quarantined} quarantined", file=file)
    return outcome


def landing_files(mapping: Mapping, dirs: DataDirs) -> list[Path]:
    """Regular files in ``landing/<agency>/`` that match the mapping's pattern (symlinks are not followed)."""
    folder = dirs.landing / mapping.agency
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob(mapping.spec.source.pattern) if p.is_file() and not p.is_symlink())


@dataclass
class AgencyResult:
    """One agency's dataset for one contract, after a run."""

    agency: str
    contract: str
    contract_version: str
    mapping_file: str
    rows_in: int
    rows_published: int
    rows_quarantined: int
    files: list[dict[str, object]]
    rule_counts: dict[str, int]
    published_dir: str
    quarantine_dir: str
    dataset_rules: list[dict[str, object]] = field(default_factory=list)
    dataset_rules_success: bool | None = None
    data_docs: str | None = None

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.rows_published + self.rows_quarantined

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "balanced": self.balanced}


def result_file(dirs: DataDirs, contract_id: str, major: int, agency: str) -> Path:
    return dirs.reports / "runs" / contract_id / f"v{major}" / f"{agency}.json"


def _write_quarantine(outcomes: list[ExtractOutcome], mapping: Mapping, dirs: DataDirs) -> Path:
    contract = mapping.contract
    target = quarantine_dir(dirs.quarantine, mapping.agency, contract.id, contract.major)
    staging = target.with_name(f".staging-{target.name}")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    source_columns = {name: " + ".join(spec.source_columns) for name, spec in mapping.spec.fields.items()}
    for o in outcomes:
        if o.errors.is_empty():
            continue
        report = error_report(o.errors, mapping.agency, o.source_file, source_columns)
        write_errors_csv(report, staging / f"{o.source_file}.errors.csv")
        malformed = o.errors.filter(pl.col("rule") == "malformed-record").select(
            ROW, pl.col("value").alias("_raw_record"))
        pl.concat([o.quarantined, malformed], how="diagonal").sort(ROW).write_parquet(
            staging / f"{o.source_file}.rows.parquet", compression="zstd")
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    return target


def _rejected(file: Path, exc: ExtractRejected) -> ExtractOutcome:
    empty = pl.DataFrame()
    return ExtractOutcome(file.name, hashlib.sha256(file.read_bytes()).hexdigest(), received_at(file), 0, 0, 0,
                          f"{exc.reason}: {exc.message}", pl.DataFrame(schema=ERROR_COLUMNS), empty, empty)


def _publish(outcomes: list[ExtractOutcome], mapping: Mapping, dirs: DataDirs, key: PseudonymKey) -> Path:
    """Publish the agency partition (one file per extract with published rows) and refresh the manifest."""
    contract = mapping.contract
    tables = {
        f"part-{o.source_sha256[:16]}.parquet": to_table(
            o.published, contract, key,
            {"_agency": mapping.agency, "_source_file": o.source_file, "_ingested_at": o.received_at},
            {"agency": mapping.agency, "source_file": o.source_file, "source_sha256": o.source_sha256,
             "mapping_file": f"{mapping.agency}/{mapping.file.name}", "mapping_sha256": mapping.sha256})
        for o in outcomes if o.rows_published
    }
    root = contract_dir(dirs.published, contract)
    with publication_lock(root):
        publish_snapshot(agency_dir(dirs.published, contract, mapping.agency), tables)
        write_manifest(root, build_manifest(contract, root, key.key_id))
    return agency_dir(dirs.published, contract, mapping.agency)


def run_agency(mapping: Mapping, dirs: DataDirs, *, key: PseudonymKey | None = None,
               dataset_rules: bool = True) -> tuple[AgencyResult, DatasetResult | None]:
    """Process every landing file of ``mapping``'s agency: publish, quarantine, check, record the result."""
    contract = mapping.contract
    key = key or load_key()
    schema = row_schema(contract)
    outcomes = []
    for file in landing_files(mapping, dirs):
        try:
            outcomes.append(process_extract(file, mapping, schema))
        except ExtractRejected as exc:
            outcomes.append(_rejected(file, exc))
    published_dir = _publish(outcomes, mapping, dirs, key)
    qdir = _write_quarantine(outcomes, mapping, dirs)
    rule_counts: dict[str, int] = {}
    for o in outcomes:
        for rule, n in o.rule_counts.items():
            rule_counts[rule] = rule_counts.get(rule, 0) + n
    result = AgencyResult(
        agency=mapping.agency, contract=contract.id, contract_version=contract.version,
        mapping_file=str(mapping.file), rows_in=sum(o.rows_in for o in outcomes),
        rows_published=sum(o.rows_published for o in outcomes),
        rows_quarantined=sum(o.rows_quarantined for o in outcomes),
        files=[{"file": o.source_file, "sha256": o.source_sha256, "rows_in": o.rows_in,
                "rows_published": o.rows_published, "rows_quarantined": o.rows_quarantined,
                "rejected": o.rejected} for o in outcomes],
        rule_counts=rule_counts, published_dir=str(published_dir), quarantine_dir=str(qdir),
    )
    checked: DatasetResult | None = None
    if dataset_rules:  # per submission, like the row rules: the agency partition may hold several versions
        checked = DatasetResult.combine([
            run_dataset_rules(contract, f"{contract.id}.v{contract.major}.{mapping.agency}.{o.source_file}",
                              o.published.select(contract.field_names), dirs.reports / "data_docs")
            for o in outcomes if o.rejected is None
        ])
        result.dataset_rules = [asdict(o) for o in checked.outcomes]
        result.dataset_rules_success = checked.success
        result.data_docs = str(checked.docs_index) if checked.docs_index else None
    out = result_file(dirs, contract.id, contract.major, mapping.agency)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result.to_json(), indent=2, default=str))
    return result, checked
