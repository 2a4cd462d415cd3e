"""Submission records: one row per landing entry accord took in, in SQLite (``archive/submissions.db``, the
embedded default) or PostgreSQL (``$ACCORD_DATABASE_URL``), through SQLAlchemy Core, so one code path serves
both. Safe for the sensor and several runs at once.

Statuses (``docs/intake.md``):

- ``receiving``: a pickup has started copying the entry into the archive (an intent: a pickup killed here is
  undone by the next one, which picks the entry up again);
- ``received``: archived, waiting to be processed; ``processing``: a run holds it (``attempts`` counts runs);
- ``processed`` | ``rejected`` (the file cannot be used as a whole) | ``failed`` (accord could not finish it);
- ``duplicate``: the same bytes as an earlier submission of the agency; ``refused``: refused at pickup.

``landing_entry`` holds the identity of the landing entry a record came from until that entry is removed, so a
pickup killed between archiving and removing finishes the removal instead of counting a duplicate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from accord.intake.locks import DatabaseLocks, FileLocks, Locks

STATUSES = ("receiving", "received", "processing", "processed", "rejected", "failed", "duplicate", "refused")
PENDING = ("received", "processing")
ACCEPTED = ("received", "processing", "processed", "rejected", "failed")  # statuses of an original submission
MAX_ATTEMPTS = 3

_metadata = sa.MetaData()
_table = sa.Table(
    "submissions", _metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_id", sa.Text, nullable=False, unique=True),
    sa.Column("agency", sa.Text, nullable=False),
    sa.Column("contract", sa.Text),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False, server_default=""),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("received_at", sa.Text, nullable=False),
    sa.Column("archived_path", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
    sa.Column("duplicate_of", sa.Text),
    sa.Column("landing_entry", sa.Text),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_at", sa.Text, nullable=False, server_default=""),
    sa.CheckConstraint(f"status in ({', '.join(repr(s) for s in STATUSES)})", name="known_status"),
)
_ORIGINAL = _table.c.status.in_(ACCEPTED)
# one original per agency, content and target contract (a mapping file with several targets makes one record per
# target for the same bytes); it replaced ``one_original_per_content`` (agency, content), dropped on opening
sa.Index("one_original_per_target", _table.c.agency, _table.c.sha256, _table.c.contract, unique=True,
         sqlite_where=_ORIGINAL, postgresql_where=_ORIGINAL)


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
    reason: str = ""
    detail: str = ""
    duplicate_of: str | None = None
    landing_entry: str | None = None
    attempts: int = 0

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


_FIELDS = [f.name for f in fields(Submission)]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def postgresql_url(url: str) -> str:
    """A PostgreSQL URL with the psycopg2 driver, whatever scheme it was given with."""
    for scheme in ("postgresql+psycopg2://", "postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg2://" + url[len(scheme):]
    raise ValueError(f"not a PostgreSQL URL: {url.split('@')[-1]!r}")


class SubmissionStore:
    """The records, and the locks that keep two pickups or two runs of one submission apart."""

    def __init__(self, url: str, locks: Locks) -> None:
        self.url = url
        self.locks = locks
        self.engine = sa.create_engine(url, connect_args={"timeout": 60} if url.startswith("sqlite") else {},
                                       pool_pre_ping=True)
        if url.startswith("sqlite"):
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        with self.locks.hold("schema"):
            _metadata.create_all(self.engine)
            with self.engine.begin() as db:
                db.execute(sa.text("DROP INDEX IF EXISTS one_original_per_content"))

    @classmethod
    def sqlite(cls, path: Path) -> SubmissionStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(sqlite_url(path), FileLocks(path.parent / ".locks"))

    @classmethod
    def postgresql(cls, url: str) -> SubmissionStore:
        """``postgresql+psycopg2://user:password@host:port/database`` (any PostgreSQL scheme is taken; the driver
        is psycopg2, the one Dagster's PostgreSQL storage needs, so one URL serves both)."""
        url = postgresql_url(url)
        return cls(url, DatabaseLocks(url))

    def add(self, submission: Submission) -> Submission:
        with self.engine.begin() as db:
            db.execute(_table.insert().values(**_values(submission), updated_at=_now()))
        return submission

    def update(self, submission_id: str, **changes: Any) -> Submission:
        with self.engine.begin() as db:
            db.execute(_table.update().where(_table.c.submission_id == submission_id)
                       .values(**changes, updated_at=_now()))
        return self.get(submission_id)

    def replace(self, old_id: str, submission: Submission) -> Submission:
        """Turn the record ``old_id`` (an intent) into ``submission``, in one transaction."""
        with self.engine.begin() as db:
            db.execute(_table.update().where(_table.c.submission_id == old_id)
                       .values(**_values(submission), updated_at=_now()))
        return submission

    def delete(self, submission_id: str) -> None:
        with self.engine.begin() as db:
            db.execute(_table.delete().where(_table.c.submission_id == submission_id))

    def set_status(self, submission_id: str, status: str, reason: str = "", detail: str = "") -> None:
        self.update(submission_id, status=status, reason=reason, detail=detail)

    def begin_processing(self, submission_id: str) -> Submission:
        """Mark the submission as held by a run; one more attempt."""
        with self.engine.begin() as db:
            db.execute(_table.update().where(_table.c.submission_id == submission_id)
                       .values(status="processing", attempts=_table.c.attempts + 1, updated_at=_now()))
        return self.get(submission_id)

    def original(self, agency: str, sha256: str, contract: str | None = None) -> Submission | None:
        """The original submission with these bytes from this agency (for the ``contract`` target), if any."""
        where = (_table.c.agency == agency) & (_table.c.sha256 == sha256) & _ORIGINAL
        rows = self._select(where & (_table.c.contract == contract) if contract is not None else where)
        return rows[0] if rows else None

    def get(self, submission_id: str) -> Submission:
        found = self.find(submission_id)
        if found is None:
            raise KeyError(submission_id)
        return found

    def find(self, submission_id: str) -> Submission | None:
        rows = self._select(_table.c.submission_id == submission_id)
        return rows[0] if rows else None

    def all(self) -> list[Submission]:
        return self._select(sa.true())

    def newest(self, agency: str | None = None, limit: int = 200) -> list[Submission]:
        """The latest records (of ``agency`` only, if given), newest first, intents left out."""
        where = _table.c.status != "receiving"
        if agency is not None:
            where = where & (_table.c.agency == agency)
        return self._select(where, newest_first=True, limit=limit)

    def of_content(self, agency: str, sha256: str) -> list[Submission]:
        """Every record of these bytes from ``agency`` (one per target, duplicates too), intents left out."""
        return self._select((_table.c.agency == agency) & (_table.c.sha256 == sha256)
                            & (_table.c.status != "receiving"))

    def of_day(self, agency: str, day: str) -> list[Submission]:
        """The agency's records received on ``day`` (``YYYY-MM-DD``)."""
        return self._select((_table.c.agency == agency) & _table.c.received_at.startswith(day))

    def with_status(self, *statuses: str) -> list[Submission]:
        return self._select(_table.c.status.in_(statuses))

    def unfinished_landing(self) -> list[Submission]:
        """Records whose landing entry may still be in the landing zone."""
        return self._select(_table.c.landing_entry.is_not(None))

    def count(self) -> int:
        with self.engine.connect() as db:
            return int(db.execute(sa.select(sa.func.count()).select_from(_table)).scalar_one())

    def _select(self, where: Any, newest_first: bool = False, limit: int | None = None) -> list[Submission]:
        columns = [_table.c[name] for name in _FIELDS]
        query = sa.select(*columns).where(where).order_by(_table.c.seq.desc() if newest_first else _table.c.seq)
        with self.engine.connect() as db:
            rows = db.execute(query.limit(limit) if limit is not None else query).all()
        return [Submission(*row) for row in rows]

    def close(self) -> None:
        self.engine.dispose()


def _values(submission: Submission) -> dict[str, Any]:
    return {name: getattr(submission, name) for name in _FIELDS}


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("pragma journal_mode=wal")
    cursor.execute("pragma synchronous=full")
    cursor.close()
