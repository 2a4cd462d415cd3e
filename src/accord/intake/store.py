"""Submission records: one row per file picked up from the landing zone, in ``archive/submissions.db``
(SQLite, safe for the sensor and runs to use at the same time)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

STATUSES = ("received", "processed", "duplicate", "rejected")

_SCHEMA = """
create table if not exists submissions (
    seq integer primary key autoincrement,
    submission_id text not null unique,
    agency text not null,
    contract text,
    file_name text not null,
    sha256 text not null,
    size integer not null,
    received_at text not null,
    archived_path text,
    status text not null check (status in ('received', 'processed', 'duplicate', 'rejected')),
    detail text not null default '',
    duplicate_of text
);
create unique index if not exists one_original_per_content
    on submissions (agency, sha256) where status <> 'duplicate' and status <> 'rejected';
"""


@dataclass(frozen=True)
class Submission:
    submission_id: str
    agency: str
    contract: str | None
    file_name: str
    sha256: str
    size: int
    received_at: str
    archived_path: str | None
    status: str
    detail: str = ""
    duplicate_of: str | None = None

    @property
    def target(self) -> str:
        """The contract version (``person/v1``) an accepted submission feeds."""
        if self.contract is None:
            raise ValueError(f"submission {self.submission_id} feeds no contract ({self.status})")
        return self.contract

    @property
    def archived(self) -> Path:
        if self.archived_path is None:
            raise ValueError(f"submission {self.submission_id} has no archived file")
        return Path(self.archived_path)


_COLUMNS = ", ".join(Submission.__dataclass_fields__)


class SubmissionStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:
                yield db
        finally:
            db.close()

    def add(self, submission: Submission) -> Submission:
        values = [getattr(submission, name) for name in Submission.__dataclass_fields__]
        with self._connect() as db:
            placeholders = ", ".join("?" * len(values))  # column names are constants, values are bound
            db.execute(f"insert into submissions ({_COLUMNS}) values ({placeholders})", values)  # noqa: S608
        return submission

    def original(self, agency: str, sha256: str) -> Submission | None:
        """The accepted submission with these bytes from this agency, if any."""
        rows = self._select("agency = ? and sha256 = ? and status in ('received', 'processed')", agency, sha256)
        return rows[0] if rows else None

    def get(self, submission_id: str) -> Submission:
        rows = self._select("submission_id = ?", submission_id)
        if not rows:
            raise KeyError(submission_id)
        return rows[0]

    def set_status(self, submission_id: str, status: str, detail: str = "") -> None:
        with self._connect() as db:
            db.execute("update submissions set status = ?, detail = ? where submission_id = ?",
                       (status, detail, submission_id))

    def all(self) -> list[Submission]:
        return self._select("1 = 1")

    def _select(self, where: str, *args: object) -> list[Submission]:
        with self._connect() as db:
            rows = db.execute(f"select {_COLUMNS} from submissions where {where} order by seq", args).fetchall()  # noqa: S608
        return [Submission(*row) for row in rows]
