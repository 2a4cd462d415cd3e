"""Where things live: the project (contracts, mappings) and the data directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from accord.storage.private import private_dir

DATA_DIR_ENV = "ACCORD_DATA_DIR"
PROJECT_DIR_ENV = "ACCORD_PROJECT_DIR"


@dataclass(frozen=True)
class DataDirs:
    """The data directory and its five zones."""

    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def work(self) -> Path:
        """Work files of the submissions being processed (private, removed when a submission is done)."""
        return self.root / ".work"

    def create(self) -> DataDirs:
        """Create the zones: ``archive``, ``quarantine`` and the work folder hold agency data in clear and are
        private (``accord.storage.private``); ``landing`` is written by agencies, ``published`` read by
        consumers, ``reports`` read by both."""
        for zone in (self.landing, self.published, self.reports):
            zone.mkdir(parents=True, exist_ok=True)
        for zone in (self.archive, self.quarantine, self.work):
            private_dir(zone)
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


def data_dirs(root: Path | str | None = None) -> DataDirs:
    """The data directory: ``root`` if given, else ``$ACCORD_DATA_DIR``, else ``./data``."""
    chosen = root if root is not None else os.environ.get(DATA_DIR_ENV, "data")
    return DataDirs(Path(chosen).resolve())


def project_dirs(root: Path | str | None = None) -> ProjectDirs:
    """The project folder: ``root`` if given, else ``$ACCORD_PROJECT_DIR``, else the current folder."""
    chosen = root if root is not None else os.environ.get(PROJECT_DIR_ENV, ".")
    return ProjectDirs(Path(chosen).resolve())
