"""Where pickup puts what it copies: the archive zone of the data directory. A copy is written to a temporary
file first (beside its final place on a disk, in the local work folder for an object store), then given its
final name whole: a rename, or one upload. The same content already there is kept and the copy dropped: archive
names are content addresses."""

from __future__ import annotations

import os
from pathlib import Path

from accord.intake.zone import Copied
from accord.settings import ARCHIVE, DataDirs
from accord.storage.private import private_dir


class Archive:
    def __init__(self, dirs: DataDirs) -> None:
        self.dirs = dirs
        self.storage = dirs.storage

    def temporary(self, folder: str, token: str) -> Path:
        """A path for the copy that will end up in ``archive/<folder>/``."""
        local = self.storage.local_path(f"{ARCHIVE}/{folder}")
        return private_dir(local if local is not None else self.dirs.work / "incoming") / f".incoming-{token}"

    def uri(self, key: str) -> str:
        return self.storage.uri(f"{ARCHIVE}/{key}")

    def settle(self, copied: Copied, key: str) -> str:
        """Give ``copied`` its final name ``archive/<key>``; return its URI."""
        full = f"{ARCHIVE}/{key}"
        target = self.storage.local_path(full)
        if target is None:
            if self.storage.exists(full):
                copied.path.unlink()
            else:
                self.storage.put_file(copied.path, full, private=True, move=True)
            return self.storage.uri(full)
        if target.exists():
            copied.path.unlink()
        else:
            os.rename(copied.path, target)
        fsync_dir(target.parent)
        return str(target)

    def discard(self, location: str) -> None:
        """Remove what an interrupted pickup left: a temporary path, or an archive URI."""
        if "://" in location or (not self.storage.is_local and location.startswith(self.storage.url)):
            self.storage.delete(self.storage.key(location))
        else:
            Path(location).unlink(missing_ok=True)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
