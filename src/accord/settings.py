"""Where things live: the project (contracts, mappings), the data directory and the database.

The data directory is a local folder (default ``./data``) or an object-store URL (``s3://bucket/prefix``), from
``$ACCORD_DATA_DIR``. Its five zones are addressed by storage keys (``accord.storage``). Work files are always
local: ``<data>/.work`` on a disk, else ``$ACCORD_WORK_DIR`` or a fresh temporary folder of this process. The
submission records and locks are in SQLite beside the archive, or in PostgreSQL when ``$ACCORD_DATABASE_URL``
is set (required with an object store: workers on other machines must share them).
"""

from __future__ import annotations

import functools
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from accord.errors import AccordError
from accord.storage import Storage, open_storage
from accord.storage.private import private_dir

DATA_DIR_ENV = "ACCORD_DATA_DIR"
PROJECT_DIR_ENV = "ACCORD_PROJECT_DIR"
DATABASE_URL_ENV = "ACCORD_DATABASE_URL"
WORK_DIR_ENV = "ACCORD_WORK_DIR"

LANDING, ARCHIVE, QUARANTINE, PUBLISHED, REPORTS = "landing", "archive", "quarantine", "published", "reports"
IDENTITY = "identity"  # the clear identifying values linkage needs (accord.identity.vault): private, like the archive


@functools.cache
def _process_work_dir(pid: int) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"accord-work-{pid}-"))


@dataclass(frozen=True)
class DataDirs:
    """The data directory (its storage) and its five zones; the local work folder; the database."""

    storage: Storage
    database_url: str | None = None
    work_dir: Path | None = field(default=None)

    @property
    def url(self) -> str:
        return self.storage.url

    @property
    def is_local(self) -> bool:
        return self.storage.is_local

    @property
    def root(self) -> Path:
        """The local folder of the data directory (a data directory on an object store has none)."""
        path = self.storage.local_path(LANDING)
        if path is None:
            raise AccordError(f"the data directory {self.url} is on an object store, not a local folder")
        return path.parent

    @property
    def landing(self) -> Path:
        return self.root / LANDING

    @property
    def archive(self) -> Path:
        return self.root / ARCHIVE

    @property
    def quarantine(self) -> Path:
        return self.root / QUARANTINE

    @property
    def published(self) -> Path:
        return self.root / PUBLISHED

    @property
    def reports(self) -> Path:
        return self.root / REPORTS

    @property
    def work(self) -> Path:
        """Work files of the submissions being processed (local, private, removed when a submission is done)."""
        if self.work_dir is not None:
            return self.work_dir
        if self.is_local:
            return self.root / ".work"
        chosen = os.environ.get(WORK_DIR_ENV)
        return Path(chosen) if chosen else _process_work_dir(os.getpid())

    def create(self) -> DataDirs:
        """Create the zones of a local data directory: ``archive``, ``quarantine`` and the work folder hold agency
        data in clear and are private (``accord.storage.private``); ``landing`` is written by agencies,
        ``published`` read by consumers, ``reports`` read by both. (On an object store, prefixes need no
        creating; access is the bucket policy's.)"""
        if self.is_local:
            for zone in (self.landing, self.published, self.reports):
                zone.mkdir(parents=True, exist_ok=True)
            for zone in (self.archive, self.quarantine, self.root / IDENTITY):
                private_dir(zone)
        private_dir(self.work)
        return self


@dataclass(frozen=True)
class ProjectDirs:
    """A project: the folder holding ``contracts/`` and ``mappings/``."""

    root: Path

    @property
    def contracts(self) -> Path:
        return self.root / "contracts"

    @property
    def mappings(self) -> Path:
        return self.root / "mappings"


def data_dirs(root: Path | str | None = None, *, database_url: str | None = None) -> DataDirs:
    """The data directory: ``root`` if given, else ``$ACCORD_DATA_DIR``, else ``./data``; the database:
    ``database_url``, else ``$ACCORD_DATABASE_URL``, else SQLite in the archive."""
    chosen = root if root is not None else os.environ.get(DATA_DIR_ENV, "data")
    return DataDirs(open_storage(chosen), database_url or os.environ.get(DATABASE_URL_ENV) or None)


def project_dirs(root: Path | str | None = None) -> ProjectDirs:
    """The project folder: ``root`` if given, else ``$ACCORD_PROJECT_DIR``, else the current folder."""
    chosen = root if root is not None else os.environ.get(PROJECT_DIR_ENV, ".")
    return ProjectDirs(Path(chosen).resolve())
