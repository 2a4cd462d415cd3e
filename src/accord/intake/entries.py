"""The landing zone and the archive on a local disk, handled as an agency could attack them.

Every landing entry is looked at through descriptors, never by a path checked first and used later:

- folders are opened with ``O_DIRECTORY | O_NOFOLLOW`` and entries named relative to them (``dir_fd``), so a
  folder swapped for a link mid-pickup is refused, not followed;
- a file is opened once (``O_NOFOLLOW | O_NONBLOCK``) and its descriptor ``fstat``-ed: a regular file with one
  link and a size within the limit, or it is refused; it is hashed and copied **from that descriptor** into a new
  file that accord creates (``O_EXCL``, owner-only) in the archive, so the recorded SHA-256 is that of the
  archived bytes, whatever happens to the name meanwhile;
- the landing entry is removed by name only when the name still holds the same file (device, inode, size,
  modification time); nothing else of the agency's is ever moved, changed or removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from accord.storage.private import file_mode, private_dir, secure_fd

BLOCK = 1 << 20
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class EntryRefused(Exception):
    def __init__(self, reason: str, message: str, *, removable: bool = True) -> None:
        self.reason, self.message, self.removable = reason, message, removable
        super().__init__(message)


class EntryChanged(Exception):
    """The entry changed while it was read (still being written): left for the next pickup."""


@dataclass(frozen=True)
class Identity:
    """What a landing name held when it was looked at."""

    dev: int
    ino: int
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> Identity:
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def __str__(self) -> str:
        return f"{self.dev}:{self.ino}:{self.size}:{self.mtime_ns}"



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


def _kind(st: os.stat_result) -> str:
    if stat.S_ISLNK(st.st_mode):
        return "link"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    return "file" if stat.S_ISREG(st.st_mode) else "other"


class LocalLanding:
    """``landing/`` and its agency folders, entry by entry."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @contextlib.contextmanager
    def _folder(self, folder: str | None) -> Iterator[int]:
        root = os.open(self.root, _OPEN_DIR)
        if folder is None:
            try:
                yield root
            finally:
                os.close(root)
            return
        try:
            fd = os.open(folder, _OPEN_DIR, dir_fd=root)
        except OSError as exc:
            raise EntryRefused("not-a-folder", f"agency folder {display_name(folder)!r} cannot be opened as a "
                               f"folder ({exc.strerror})", removable=False) from None
        finally:
            os.close(root)
        try:
            yield fd
        finally:
            os.close(fd)

    def entries(self, folder: str | None = None) -> list[Entry]:
        """The entries of ``landing/`` or of one agency folder, sorted by name."""
        with self._folder(folder) as fd:
            found = []
            for name in sorted(os.listdir(fd)):
                try:
                    st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                except FileNotFoundError:
                    continue
                kind = _kind(st)
                identity = Identity.of(st) if kind != "dir" else Identity(st.st_dev, st.st_ino, 0, 0)
                found.append(Entry(folder, name, kind, identity, st.st_mtime_ns))
            return found

    @contextlib.contextmanager
    def open(self, entry: Entry, limit: int) -> Iterator[tuple[int, Identity]]:
        """The entry's descriptor and what ``fstat`` says of it, once it is known to be one regular file of at
        most ``limit`` bytes with a single name."""
        with self._folder(entry.folder) as folder:
            try:
                fd = os.open(entry.name, _OPEN_FILE, dir_fd=folder)
            except OSError as exc:
                if exc.errno == errno.ELOOP:  # the name became a symbolic link
                    raise EntryRefused("symlink", f"{entry.display!r} is a symbolic link: not followed") from None
                raise EntryChanged(str(exc)) from None
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    raise EntryRefused("not-a-file", f"{entry.display!r} is not a regular file",
                                       removable=not stat.S_ISDIR(st.st_mode))
                if st.st_nlink != 1:
                    raise EntryRefused("hard-link", f"{entry.display!r} has {st.st_nlink} names (a hard link): "
                                       "only a file of its own is accepted")
                if st.st_size > limit:
                    raise EntryRefused("too-large", f"file is {st.st_size} bytes, above the limit of {limit}")
                yield fd, Identity.of(st)
            finally:
                os.close(fd)

    def remove(self, entry: Entry, identity: Identity | None = None) -> bool:
        """Remove the landing name when it still holds what was seen (``identity``, default the entry's own);
        False when it holds something else now (left for the next pickup) or is already gone."""
        expected = identity or entry.identity
        with self._folder(entry.folder) as folder:
            try:
                st = os.stat(entry.name, dir_fd=folder, follow_symlinks=False)
            except FileNotFoundError:
                return False
            if _kind(st) == "dir" or Identity.of(st) != expected:
                return False
            os.unlink(entry.name, dir_fd=folder)
            return True


@dataclass(frozen=True)
class Copied:
    path: Path
    sha256: str
    size: int


def read_fd(fd: int) -> Iterator[bytes]:
    os.lseek(fd, 0, os.SEEK_SET)
    while block := os.read(fd, BLOCK):
        yield block


def copy_into(fd: int, identity: Identity, temporary: Path, limit: int) -> Copied:
    """Copy the descriptor's bytes into ``temporary``, a new private file, hashing them on the way. The source
    must not change meanwhile (same size and modification time before and after, at most ``limit`` bytes)."""
    private_dir(temporary.parent)
    out = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    digest, size = hashlib.sha256(), 0
    try:
        for block in read_fd(fd):
            size += len(block)
            if size > limit:
                raise EntryRefused("too-large", f"file grew past the limit of {limit} bytes while it was read")
            digest.update(block)
            view = memoryview(block)
            while view:
                view = view[os.write(out, view):]
        after = Identity.of(os.fstat(fd))
        if after != identity or size != identity.size:
            raise EntryChanged(f"changed while it was read ({identity} -> {after}, {size} bytes read)")
        os.utime(out, ns=(identity.mtime_ns, identity.mtime_ns))  # the archive keeps when the agency delivered it
        os.fsync(out)
        secure_fd(out)
        os.fchmod(out, file_mode() & 0o444)  # read-only from now on
    except BaseException:
        os.close(out)
        temporary.unlink(missing_ok=True)
        raise
    os.close(out)
    return Copied(temporary, digest.hexdigest(), size)


def settle(copied: Copied, target: Path) -> Path:
    """Give an archived copy its final name; the same content already there is kept and the copy dropped."""
    if target.exists():
        copied.path.unlink()
    else:
        os.rename(copied.path, target)
    fsync_dir(target.parent)
    return target


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
