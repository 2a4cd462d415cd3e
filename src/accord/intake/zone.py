"""What a landing zone is, whatever stores it: entries (name, kind, identity), and the three operations intake
needs: list, copy one entry into the archive (hashing the bytes copied), remove it if it is still what was read.
``accord.intake.local_zone`` holds them on a local disk against an agency that can make links; ``object_zone``
on an object store."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from accord.storage.private import file_mode, private_dir, secure_fd


class EntryRefused(Exception):
    def __init__(self, reason: str, message: str, *, removable: bool = True) -> None:
        self.reason, self.message, self.removable = reason, message, removable
        super().__init__(message)


class EntryChanged(Exception):
    """The entry changed while it was read (still being written): left for the next pickup."""


@dataclass(frozen=True)
class Identity:
    """What a landing name held when it was looked at: which file (device and inode, or an object's ETag), its
    size and modification time."""

    token: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> Identity:
        return cls(f"{st.st_dev}:{st.st_ino}", st.st_size, st.st_mtime_ns)

    def __str__(self) -> str:
        return f"{self.token}:{self.size}:{self.mtime_ns}"



@dataclass(frozen=True)
class Entry:
    folder: str | None  # the agency folder; None for an entry at the top of landing/
    name: str
    kind: str  # file | dir | link | other
    identity: Identity  # a folder's is its device and inode only: adding files to it does not change it
    mtime_ns: int

    @property
    def received_at(self) -> str:
        """The modification time, to the second (UTC): when the agency delivered the file."""
        seconds = self.mtime_ns // 1_000_000_000
        return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()

    @property
    def display(self) -> str:
        """The name as text that can be stored and printed (undecodable bytes as escapes)."""
        return display_name(self.name)


def display_name(name: str) -> str:
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class Copied:
    path: Path
    sha256: str
    size: int


def copy_blocks(blocks: Iterable[bytes], temporary: Path, limit: int) -> Copied:
    """Write ``blocks`` into ``temporary``, a new private file, hashing them on the way; at most ``limit``
    bytes. The file is flushed and made read-only."""
    private_dir(temporary.parent)
    out = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    digest, size = hashlib.sha256(), 0
    try:
        for block in blocks:
            size += len(block)
            if size > limit:
                raise EntryRefused("too-large", f"file grew past the limit of {limit} bytes while it was read")
            digest.update(block)
            view = memoryview(block)
            while view:
                view = view[os.write(out, view):]
        os.fsync(out)
        secure_fd(out)
        os.fchmod(out, file_mode() & 0o444)  # read-only from now on
    except BaseException:
        os.close(out)
        temporary.unlink(missing_ok=True)
        raise
    os.close(out)
    return Copied(temporary, digest.hexdigest(), size)


class LandingZone(ABC):
    """``landing/`` and its agency folders, entry by entry."""

    @abstractmethod
    def entries(self, folder: str | None = None) -> list[Entry]:
        """The entries of ``landing/`` or of one agency folder, sorted by name."""

    @abstractmethod
    def copy(self, entry: Entry, limit: int, temporary: Path) -> tuple[Copied, Identity]:
        """Copy one regular file of at most ``limit`` bytes into ``temporary``, hashing the bytes copied; the
        identity it had. ``EntryRefused`` when it is not such a file, ``EntryChanged`` when it changed while it
        was read."""

    @abstractmethod
    def remove(self, entry: Entry, identity: Identity | None = None) -> bool:
        """Remove the entry when it still is what was seen (``identity``, default the entry's own); False when it
        holds something else now (left for the next pickup) or is already gone."""


