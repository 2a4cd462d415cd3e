"""``accord check``: an extract through read -> map -> row and dataset rules, without publishing anything,
and the agency's report: ``report.json``, ``errors.csv`` (spreadsheet-safe) and ``report.html`` /
``report.fr.html`` (``accord.reports.render``, HTML-escaped)."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from accord.mapping import Mapping
from accord.process import stream_extract
from accord.publish.quarantine import error_report, write_errors_csv
from accord.reasons import ROW, with_messages
from accord.reports.texts import REFUSALS
from accord.validation import DatasetResult, DocsSite, evaluate_metrics, row_schema, validate_metrics

EXIT_CLEAN, EXIT_QUARANTINED, EXIT_UNREADABLE = 0, 1, 2
# problems kept in the report (JSON, pages) one by one; errors.csv holds every one, and the counts are exact
MAX_REPORT_ERRORS = 100_000

SUMMARY = {
    "clean": ("{file}: {rows_in} rows, all valid for {contract}.",
              "{file} : {rows_in} lignes, toutes valides pour {contract}."),
    "quarantined": ("{file}: {rows_in} rows, {records_valid} valid, {rows_quarantined} would be quarantined "
                    "({errors} problems).",
                    "{file} : {rows_in} lignes, {records_valid} valides, {rows_quarantined} seraient mises en "
                    "quarantaine ({errors} problèmes)."),
    "unreadable": ("{file}: the file cannot be processed: {rejected}",
                   "{file} : le fichier ne peut pas être traité : {rejected}"),
}


@dataclass
class CheckReport:
    file: str
    agency: str
    contract: str
    contract_version: str
    mapping: str
    status: str  # clean | quarantined | unreadable
    rows_in: int
    rows_published: int
    rows_quarantined: int
    rejected: str | None
    rule_counts: dict[str, int]
    errors: list[dict[str, Any]] = field(default_factory=list)
    dataset_rules: list[dict[str, Any]] = field(default_factory=list)
    checked_at: str = ""
    extra_columns: list[str] = field(default_factory=list)  # in the file, not read by the mapping
    read_notes: list[dict[str, str]] = field(default_factory=list)  # read unlike the mapping says ({en, fr})
    rows_filtered: int = 0
    filtered: list[dict[str, Any]] = field(default_factory=list)  # source_row, reason: set aside by a filter
    records_published: int | None = None  # source rows valid, when explode or unpivot make several records each
    examples: dict[str, str] = field(default_factory=dict)  # contract field -> a valid value (the contract's)
    rejection_reason: str | None = None  # the reason code of ``rejected`` (``encoding``, ``missing-column``, ...)
    errors_total: int | None = None  # every problem (``errors`` holds the first MAX_REPORT_ERRORS by row)
    group_counts: list[dict[str, Any]] = field(default_factory=list)  # column, source_column, rule, count: all

    @property
    def problems(self) -> int:
        return len(self.errors) if self.errors_total is None else self.errors_total

    def warnings(self, lang: str) -> list[str]:
        """What the agency should know although no row is quarantined for it."""
        out = [note[lang] for note in self.read_notes]
        if self.extra_columns:
            names = ", ".join(self.extra_columns)
            out.append(f"columns not read by the mapping (ignored): {names}" if lang == "en" else
                       f"colonnes non lues par le mapping (ignorées) : {names}")
        if self.rows_filtered:
            reasons = sorted({str(f["reason"]) for f in self.filtered})
            out.append(f"{self.rows_filtered} rows set aside by the mapping's filters ({'; '.join(reasons)})"
                       if lang == "en" else
                       f"{self.rows_filtered} lignes écartées par les filtres du mapping ({'; '.join(reasons)})")
        return out

    @property
    def exit_code(self) -> int:
        return {"clean": EXIT_CLEAN, "quarantined": EXIT_QUARANTINED}.get(self.status, EXIT_UNREADABLE)

    def refusal(self, lang: str) -> str:
        """Why the file is refused, in ``lang``: the reason in words, then the reader's detail."""
        if not self.rejected:
            return ""
        code, _, detail = self.rejected.partition(": ")
        words = REFUSALS.get(self.rejection_reason or code)
        if words is None:
            return self.rejected
        return f"{words[0 if lang == 'en' else 1]}{' : ' if lang == 'fr' else ': '}{detail}" if detail else \
            words[0 if lang == "en" else 1]

    def summary(self, lang: str) -> str:
        template = SUMMARY[self.status][0 if lang == "en" else 1]
        valid = self.rows_published if self.records_published is None else self.records_published
        fields = {k: v for k, v in asdict(self).items() if k not in ("file", "errors", "contract", "rejected")}
        text = template.format(file=Path(self.file).name, contract=f"{self.contract} v{self.contract_version}",
                               errors=self.problems, records_valid=valid, rejected=self.refusal(lang), **fields)
        if self.records_published is not None and self.rows_published != self.records_published:
            text += (f" They make {self.rows_published} records." if lang == "en" else
                     f" Elles donnent {self.rows_published} enregistrements.")
        if self.rows_filtered:
            text += (f" {self.rows_filtered} set aside by the mapping's filters." if lang == "en" else
                     f" {self.rows_filtered} écartées par les filtres du mapping.")
        return text


def check_extract(file: Path, mapping: Mapping, docs_dir: Path | None = None) -> tuple[CheckReport, pl.DataFrame]:
    """Check ``file`` against ``mapping`` and its contract: row rules, then dataset rules (with Great
    Expectations and a Data Docs page in ``docs_dir`` only when one is given: importing GX alone takes
    seconds). Returns the report and the error table."""
    contract = mapping.contract
    with tempfile.TemporaryDirectory(prefix="accord-check-") as work:
        outcome = stream_extract(file, mapping, row_schema(contract), Path(work))
        table = error_report(outcome.error_records(), mapping.agency, file.name, mapping.field_sources,
                             messages=False)
        filtered = pl.read_parquet(outcome.filtered).rename({ROW: "source_row"}).to_dicts() if outcome.filtered \
            else []
    dataset: DatasetResult | None = None
    # named by content, not by file name: the name would reach the Data Docs HTML, unescaped by GX
    name = f"check.{mapping.agency}.{outcome.source_sha256[:16]}"
    if outcome.rejected is None:
        dataset = (validate_metrics(contract, name, outcome.metrics, DocsSite.local(docs_dir)) if docs_dir
                   else evaluate_metrics(contract, name, outcome.metrics))
    status = "unreadable" if outcome.rejected else "quarantined" if outcome.rows_quarantined else "clean"
    report = CheckReport(
        file=str(file), agency=mapping.agency, contract=contract.id, contract_version=contract.version,
        mapping=str(mapping.file), status=status, rows_in=outcome.rows_in,
        rows_published=outcome.rows_published if outcome.rejected is None else 0,
        rows_quarantined=outcome.rows_quarantined, rejected=outcome.rejected, rule_counts=outcome.rule_counts,
        errors=with_messages(table.head(MAX_REPORT_ERRORS), mapping.examples).to_dicts(), errors_total=table.height,
        group_counts=table.group_by("column", "source_column", "rule").agg(pl.len().alias("count")).sort(
            "column", "source_column", "rule", nulls_last=True).to_dicts(),  # in the same order every time
        dataset_rules=[asdict(o) for o in dataset.outcomes] if dataset else [],
        checked_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), extra_columns=outcome.extra_columns,
        read_notes=outcome.read_notes,
        rows_filtered=outcome.rows_filtered, filtered=filtered,
        records_published=outcome.records_published if outcome.rejected is None else None,
        examples=dict(mapping.examples), rejection_reason=outcome.rejection_reason,
    )
    return report, table


def write_reports(report: CheckReport, table: pl.DataFrame, folder: Path) -> dict[str, Path]:
    """``report.json``, ``errors.csv`` (spreadsheet-safe) and the report in English (``report.html``) and
    French (``report.fr.html``), each linking to the other."""
    from accord.reports.render import STANDALONE, render_standalone

    folder.mkdir(parents=True, exist_ok=True)
    paths = {"json": folder / "report.json", "csv": folder / "errors.csv",
             **{f"html_{lang}": folder / name for lang, name in STANDALONE.items()}}
    paths["html"] = paths["html_en"]
    paths["json"].write_text(json.dumps(asdict(report), indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    write_errors_csv(table, paths["csv"], examples=report.examples)
    for lang in STANDALONE:
        paths[f"html_{lang}"].write_text(render_standalone(report, lang), encoding="utf-8")
    return paths
