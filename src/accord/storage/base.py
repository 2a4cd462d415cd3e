"""One interface over the places accord keeps files: a local folder or an object store (``s3://bucket/prefix``).

Everything is addressed by a **key**, a ``/``-separated path under the data directory (``archive/rrn/...``);
this module is the only place that knows a key from a path or a URL. Whole-object writes are atomic on both
(a rename on a disk; a single PUT on an object store), so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from accord.errors import AccordError
from accord.storage.private import private_dir, secure_file


def check_key(key: str) -> str:
    """A key is relative, with no empty, ``.`` or ``..`` part: it can never name a place outside the data."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in key or "\0" in key:
        raise AccordError(f"not a storage key: {key!r}")
    return key


class Storage(ABC):
    """The data directory."""

    url: str

    @property
    @abstractmethod
    def is_local(self) -> bool: ...

    @property
    def storage_options(self) -> dict[str, str]:
        """Options for engines that open URIs themselves (Delta Lake, polars)."""
        return {}

    @abstractmethod
    def uri(self, key: str) -> str:
        """The absolute path or URL of ``key``."""

    def key(self, uri: str) -> str:
        """The key of a URI of this storage (inverse of ``uri``)."""
        prefix = self.uri("x")[:-1]
        if not uri.startswith(prefix):
            raise AccordError(f"{uri!r} is not under {self.url}")
        return check_key(uri[len(prefix):])

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def read_bytes(self, key: str) -> bytes: ...

    def read_text(self, key: str) -> str:
        return self.read_bytes(key).decode("utf-8")

    @abstractmethod
    def write_bytes(self, key: str, data: bytes, *, private: bool = False) -> str:
        """Replace ``key`` whole; return its URI. ``private``: owner-only where the storage has modes."""

    def write_text(self, key: str, text: str, *, private: bool = False) -> str:
        return self.write_bytes(key, text.encode("utf-8"), private=private)

    @abstractmethod
    def put_file(self, local: Path, key: str, *, private: bool = False, move: bool = False) -> str:
        """Store a local file at ``key`` (``move``: the local file may be consumed); return its URI."""

    @abstractmethod
    def get_file(self, key: str, local: Path) -> Path:
        """Copy ``key`` to a local file."""

    @abstractmethod
    def copy(self, source: str, target: str) -> str:
        """Copy the object ``source`` to ``target`` within the storage (no download); return its URI."""

    @abstractmethod
    def open_read(self, key: str) -> contextlib.AbstractContextManager[IO[bytes]]: ...

    @abstractmethod
    def list(self, prefix: str) -> list[str]:
        """Keys of the objects under ``prefix`` (a folder), at any depth, sorted."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key`` if it exists."""

    @abstractmethod
    def delete_tree(self, prefix: str) -> None:
        """Remove everything under ``prefix``."""

    def local_path(self, key: str) -> Path | None:
        """The local path of ``key`` when the storage is a local folder, else None."""
        return None

    @contextlib.contextmanager
    def local_copy(self, key: str, work: Path) -> Iterator[Path]:
        """A local file with the content of ``key``: the file itself on a disk, a download in ``work`` otherwise
        (removed after)."""
        path = self.local_path(key)
        if path is not None:
            yield path
            return
        private_dir(work)
        target = work / f"download-{uuid.uuid4().hex[:12]}-{key.rsplit('/', 1)[-1]}"[:200]
        try:
            yield self.get_file(key, target)
        finally:
            target.unlink(missing_ok=True)


class LocalStorage(Storage):
    def __init__(self, root: Path) -> None:
        self.root = root
        self.url = str(root)

    @property
    def is_local(self) -> bool:
        return True

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def uri(self, key: str) -> str:
        return str(self.path(key))

    def local_path(self, key: str) -> Path | None:
        return self.path(key)

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def read_bytes(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    @contextlib.contextmanager
    def _replacing(self, key: str, private: bool) -> Iterator[Path]:
        target = self.path(key)
        (private_dir if private else _mkdir)(target.parent)
        temporary = target.with_name(f".tmp-{uuid.uuid4().hex[:12]}-{target.name}"[:255])
        try:
            yield temporary
            with temporary.open("rb") as handle:
                os.fsync(handle.fileno())
            if private:
                secure_file(temporary)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)

    def write_bytes(self, key: str, data: bytes, *, private: bool = False) -> str:
        with self._replacing(key, private) as temporary:
            temporary.write_bytes(data)
        return self.uri(key)

    def put_file(self, local: Path, key: str, *, private: bool = False, move: bool = False) -> str:
        if local == self.path(key):
            return self.uri(key)
        with self._replacing(key, private) as temporary:
            if move:
                try:
                    os.rename(local, temporary)
                except OSError:  # another file system
                    shutil.copyfile(local, temporary)
            else:
                shutil.copyfile(local, temporary)
        return self.uri(key)

    def get_file(self, key: str, local: Path) -> Path:
        shutil.copyfile(self.path(key), local)
        return local

    def copy(self, source: str, target: str) -> str:
        with self._replacing(target, False) as temporary:
            shutil.copyfile(self.path(source), temporary)
        return self.uri(target)

    def open_read(self, key: str) -> contextlib.AbstractContextManager[IO[bytes]]:
        return self.path(key).open("rb")

    def list(self, prefix: str) -> list[str]:
        folder = self.path(prefix)
        if not folder.is_dir():
            return []
        return sorted(str(p.relative_to(self.root)) for p in folder.rglob("*")
                      if p.is_file() and not p.name.startswith(".tmp-"))

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def delete_tree(self, prefix: str) -> None:
        shutil.rmtree(self.path(prefix), ignore_errors=True)


def _mkdir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)


def open_storage(location: str | Path) -> Storage:
    """The storage of a data directory: a local path, or ``s3://bucket/prefix`` (credentials and endpoint
    from the usual ``AWS_*`` environment variables)."""
    text = str(location)
    if "://" in text:
        from accord.storage.objects import ObjectStorage  # s3fs and its dependencies load only when needed

        return ObjectStorage(text)
    return LocalStorage(Path(text).resolve())


__all__ = ["LocalStorage", "Storage", "check_key", "open_storage"]
