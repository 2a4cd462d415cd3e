"""Locks that keep concurrent pickups and runs apart: one pickup at a time per data directory, one run at a
time per submission, one publisher at a time per dataset. File locks (``flock``) beside the SQLite database;
the kernel releases them when a process dies, so a killed run never leaves a lock behind."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from pathlib import Path

from accord.storage.private import private_dir

_NAME = re.compile(r"^[A-Za-z0-9_.=-]{1,200}$")


class Locks:
    """Named locks between processes (and machines, for the database's)."""

    def hold(self, name: str, *, wait: bool = True) -> contextlib.AbstractContextManager[bool]:
        raise NotImplementedError


class FileLocks(Locks):
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @contextlib.contextmanager
    def hold(self, name: str, *, wait: bool = True) -> Iterator[bool]:
        """Hold the lock ``name`` (waiting for it, or not: then yields False when another process holds it)."""
        if not _NAME.match(name):
            raise ValueError(f"lock name {name!r}")
        private_dir(self.folder)
        fd = os.open(self.folder / f"{name}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


class DatabaseLocks(Locks):
    """PostgreSQL advisory locks, one connection per lock held: shared by every worker of a deployment, and
    released by the server when a worker dies (its connection goes)."""

    def __init__(self, url: str) -> None:
        import sqlalchemy as sa
        from sqlalchemy.pool import NullPool

        self._sa = sa
        self.engine = sa.create_engine(url, poolclass=NullPool)

    @contextlib.contextmanager
    def hold(self, name: str, *, wait: bool = True) -> Iterator[bool]:
        if not _NAME.match(name):
            raise ValueError(f"lock name {name!r}")
        sa = self._sa
        with self.engine.connect() as connection:
            key = sa.select(sa.func.hashtextextended(sa.literal(f"accord:{name}"), 0)).scalar_subquery()
            if wait:
                connection.execute(sa.select(sa.func.pg_advisory_lock(key)))
                held = True
            else:
                held = bool(connection.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar())
            connection.commit()
            try:
                yield held
            finally:
                if held:
                    connection.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                    connection.commit()
