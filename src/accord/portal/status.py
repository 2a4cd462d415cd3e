"""What an agency sees of a submission: its record (pickup, runs) and result (rows, reports), and whether its
rows are in the published table yet. One vocabulary for the page and the API:

``waiting`` (sent, not picked up yet) -> ``received`` -> ``processing`` -> ``processed`` (waiting for
publication) -> ``published`` (with ``rows_quarantined`` set aside, maybe); or ``rejected`` (the file as a
whole cannot be used), ``refused`` (at pickup), ``duplicate`` (same bytes as an earlier submission), ``failed``
(accord's problem, not the agency's)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from accord.intake.store import Submission
from accord.submission import SubmissionResult

FINAL = ("published", "rejected", "refused", "duplicate", "failed")
_FROM_RECORD = {"receiving": "received", "received": "received", "processing": "processing",
                "rejected": "rejected", "failed": "failed", "duplicate": "duplicate", "refused": "refused"}

LABELS: dict[str, tuple[str, str]] = {
    "waiting": ("Sent, waiting to be picked up", "Envoyé, en attente de prise en charge"),
    "received": ("Received", "Reçu"),
    "processing": ("Processing", "En traitement"),
    "processed": ("Processed, waiting for publication", "Traité, en attente de publication"),
    "published": ("Published", "Publié"),
    "rejected": ("Rejected", "Rejeté"),
    "refused": ("Refused", "Refusé"),
    "duplicate": ("Already received (same file)", "Déjà reçu (même fichier)"),
    "failed": ("Failed (accord's error: the operators are told)", "Échec (erreur d'accord : les opérateurs sont "
                                                                  "prévenus)"),
}


@dataclass(frozen=True)
class SubmissionView:
    submission_id: str
    agency: str
    contract: str | None
    file_name: str
    received_at: str
    status: str
    reason: str
    detail: str
    rows_in: int | None = None
    rows_published: int | None = None
    rows_quarantined: int | None = None
    rows_filtered: int | None = None
    rule_counts: dict[str, int] | None = None
    has_errors_csv: bool = False

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def label(self, lang: str) -> str:
        return LABELS[self.status][0 if lang == "en" else 1]

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "final": self.final}


def view(record: Submission, result: SubmissionResult | None, published: bool) -> SubmissionView:
    """``published``: the record's rows are in its agency's partition of the published table."""
    status = _FROM_RECORD.get(record.status, record.status)
    if record.status == "processed":
        status = "published" if published or (result is not None and result.staged_file is None) else "processed"
    reason, detail = record.reason, record.detail
    if result is not None and result.status == "rejected":
        reason, detail = result.rejection_reason or reason, result.rejected or detail
    counts: dict[str, Any] = {}
    if result is not None:
        counts = {"rows_in": result.rows_in, "rows_published": result.rows_published,
                  "rows_quarantined": result.rows_quarantined, "rows_filtered": result.rows_filtered,
                  "rule_counts": result.rule_counts, "has_errors_csv": bool(result.errors_csv)}
    return SubmissionView(record.submission_id, record.agency, record.contract, record.file_name, record.received_at,
                          status, reason, detail, **counts)


def overall(views: list[SubmissionView]) -> str:
    """One status for a file that became several submissions (one per contract it feeds): ``waiting`` before a
    pickup, the first unfinished status while any is unfinished, then ``published`` or the first that is not."""
    if not views:
        return "waiting"
    unfinished = [v.status for v in views if not v.final]
    if unfinished:
        return unfinished[0]
    return next((v.status for v in views if v.status != "published"), "published")
