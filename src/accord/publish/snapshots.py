"""Atomic, idempotent publication of a folder of Parquet files.

Each version of a partition is an immutable snapshot folder named by its content,
``.snapshots/<name>/<content id>/``; the partition a reader sees (``agency=rrn``, ``_integrated``) is a
symbolic link to one snapshot, replaced with ``os.replace`` (atomic on POSIX). A reader that lists the
partition sees the old snapshot or the new one, never a mix, and a publisher killed at any point leaves the
old version in place. Publishing identical content again is a no-op. The previous snapshot is kept for
readers still holding its paths; older ones are removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from accord.checksums import file_sha256

SNAPSHOTS = ".snapshots"
_TMP = ".tmp-"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def publication_lock(folder: Path) -> Iterator[None]:
    """One publisher at a time per dataset folder (other processes wait)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_parquet(table: pa.Table, path: Path) -> None:
    """zstd Parquet, flushed to disk before it can be published. Same table -> same bytes."""
    pq.write_table(table, path, compression="zstd")
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


CHECKSUMS = "_checksums.json"  # inside each snapshot: file name -> SHA-256 (names starting with _ are skipped
# by Arrow and DuckDB dataset discovery, and the snapshot's files are globbed as *.parquet)


def _seal(folder: Path) -> str:
    """Hash every file once, record the checksums in the folder, and return the content id."""
    checksums = {p.name: file_sha256(p) for p in sorted(folder.iterdir())}
    (folder / CHECKSUMS).write_text(json.dumps(checksums, indent=1, sort_keys=True), encoding="utf-8")
    entries = sorted(f"{name}:{digest}" for name, digest in checksums.items())
    return hashlib.sha256("\n".join(entries).encode()).hexdigest()[:20]


def snapshot_checksums(snapshot: Path) -> dict[str, str]:
    """The checksums recorded when ``snapshot`` was sealed (hashing again only for a snapshot without them)."""
    try:
        recorded: dict[str, str] = json.loads((snapshot / CHECKSUMS).read_text(encoding="utf-8"))
        return recorded
    except FileNotFoundError:
        return {p.name: file_sha256(p) for p in sorted(snapshot.glob("*.parquet"))}


def current_snapshot(link: Path) -> Path | None:
    return link.resolve() if link.is_symlink() else None


def publish_snapshot(link: Path, tables: Mapping[str, pa.Table | Path]) -> Path:
    """Make ``link`` show exactly ``tables`` (file name -> table, or an immutable Parquet file to link or copy).
    Call under ``publication_lock``."""
    store = link.parent / SNAPSHOTS / link.name
    store.mkdir(parents=True, exist_ok=True)
    for stale in store.glob(_TMP + "*"):  # left by a publisher that was killed
        shutil.rmtree(stale, ignore_errors=True)
    staging = store / f"{_TMP}{uuid.uuid4().hex}"
    staging.mkdir()
    for name, table in tables.items():
        if isinstance(table, Path):
            try:
                os.link(table, staging / name)
            except OSError:  # another file system: copy
                shutil.copyfile(table, staging / name)
        else:
            write_parquet(table, staging / name)
    snapshot = store / _seal(staging)
    if snapshot.exists():
        shutil.rmtree(staging)
    else:
        staging.rename(snapshot)
        _fsync_dir(store)
    previous = current_snapshot(link)
    if previous != snapshot:
        if link.exists() and not link.is_symlink():  # a plain folder from an older layout
            shutil.rmtree(link)
        temporary = link.parent / f"{_TMP}{link.name}-{uuid.uuid4().hex}"
        temporary.symlink_to(os.path.relpath(snapshot, link.parent))
        os.replace(temporary, link)
        _fsync_dir(link.parent)
    for old in store.iterdir():
        if old not in (snapshot, previous) and not old.name.startswith(_TMP):
            shutil.rmtree(old, ignore_errors=True)
    for stale_link in link.parent.glob(f"{_TMP}{link.name}-*"):
        stale_link.unlink(missing_ok=True)
    return snapshot
