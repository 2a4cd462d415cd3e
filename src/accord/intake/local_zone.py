"""The landing zone on a local disk, handled as an agency could attack it.

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
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from accord.intake.zone import (
    Copied,
    Entry,
    EntryChanged,
    EntryRefused,
    Identity,
    LandingZone,
    copy_blocks,
    display_name,
)

BLOCK = 1 << 20
_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _kind(st: os.stat_result) -> str:
    if stat.S_ISLNK(st.st_mode):
        return "link"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    return "file" if stat.S_ISREG(st.st_mode) else "other"


class LocalLanding(LandingZone):
    """A local ``landing/`` folder."""

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
                identity = Identity.of(st) if kind != "dir" else Identity(f"{st.st_dev}:{st.st_ino}", 0, 0)
                found.append(Entry(folder, name, kind, identity, st.st_mtime_ns))
            return found

    def copy(self, entry: Entry, limit: int, temporary: Path) -> tuple[Copied, Identity]:
        with self.open(entry, limit) as (fd, identity):
            return copy_into(fd, identity, temporary, limit), identity

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


def read_fd(fd: int) -> Iterator[bytes]:
    os.lseek(fd, 0, os.SEEK_SET)
    while block := os.read(fd, BLOCK):
        yield block


def copy_into(fd: int, identity: Identity, temporary: Path, limit: int) -> Copied:
    """Copy the descriptor's bytes into ``temporary``; the source must not change meanwhile (same size and
    modification time before and after)."""
    copied = copy_blocks(read_fd(fd), temporary, limit)
    after = Identity.of(os.fstat(fd))
    if after != identity or copied.size != identity.size:
        temporary.unlink(missing_ok=True)
        raise EntryChanged(f"changed while it was read ({identity} -> {after}, {copied.size} bytes read)")
    os.utime(temporary, ns=(identity.mtime_ns, identity.mtime_ns))  # the archive keeps when it was delivered
    return copied
