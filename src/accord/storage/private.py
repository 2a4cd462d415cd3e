"""Files that hold agency data in clear (archive, quarantine, work files, reports): owner-only by default.

Directories are created ``0700`` and files ``0600``. With ``ACCORD_STEWARDS_GROUP=<group>``, the data stewards'
group may read them: directories ``2750`` (set-group-id, so new files inherit the group) and files ``0640``,
owned by that group. Modes are set explicitly on what accord creates, whatever the umask; nothing that accord
did not create is ever changed.
"""

from __future__ import annotations

import grp
import os
from pathlib import Path

STEWARDS_ENV = "ACCORD_STEWARDS_GROUP"


def _group() -> int | None:
    name = os.environ.get(STEWARDS_ENV)
    if not name:
        return None
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise OSError(f"${STEWARDS_ENV} names group {name!r}, which does not exist") from None


def file_mode() -> int:
    return 0o640 if os.environ.get(STEWARDS_ENV) else 0o600


def dir_mode() -> int:
    return 0o2750 if os.environ.get(STEWARDS_ENV) else 0o700


def secure_fd(fd: int) -> None:
    """Give a file accord just created (by descriptor) the private mode and group."""
    group = _group()
    if group is not None:
        os.fchown(fd, -1, group)
    os.fchmod(fd, file_mode())


def secure_file(path: Path) -> Path:
    """The private mode and group for a file accord just wrote by name (a writer library made it)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        secure_fd(fd)
    finally:
        os.close(fd)
    return path


def private_dir(path: Path) -> Path:
    """Create ``path`` and its missing parents as private directories (existing ones are left as they are)."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    group = _group()
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        if group is not None:
            os.chown(folder, -1, group)
        os.chmod(folder, dir_mode())
    return path
