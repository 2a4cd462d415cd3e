"""The landing zone on an object store: ``landing/<agency>/<file>`` objects.

There are no links, devices or hard links on an object store; what an agency can still do is replace an object
while it is read. So an object is read once, as a stream, hashed and copied into a local temporary file on the
way (the archive gets those bytes, so the recorded SHA-256 is that of the archived bytes), and its ETag and size
must be the same after the read as when it was listed, or the copy is dropped and the entry waits for the next
pickup. It is removed only if its ETag is still the one read (a replacement uploaded meanwhile stays).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from accord.intake.zone import Copied, Entry, EntryChanged, EntryRefused, Identity, LandingZone, copy_blocks
from accord.storage.objects import ObjectStorage

BLOCK = 8 * 1024 * 1024


def _identity(info: dict[str, Any]) -> Identity:
    modified = info.get("LastModified")
    stamp = modified if isinstance(modified, dt.datetime) else dt.datetime.now(dt.UTC)
    return Identity(str(info.get("ETag", "")).strip('"'), int(info.get("size", 0)), int(stamp.timestamp()) * 10**9)


class ObjectLanding(LandingZone):
    def __init__(self, storage: ObjectStorage, prefix: str = "landing") -> None:
        self.storage = storage
        self.prefix = prefix

    def _key(self, entry: Entry) -> str:
        return "/".join(p for p in (self.prefix, entry.folder, entry.name) if p)

    def entries(self, folder: str | None = None) -> list[Entry]:
        base = f"{self.prefix}/{folder}" if folder else self.prefix
        found: dict[str, Entry] = {}
        for key in self.storage.list(base):
            rest = key[len(base) + 1:]
            name, _, deeper = rest.partition("/")
            if name in found:
                continue
            if deeper:  # a "folder": objects below this name
                found[name] = Entry(folder, name, "dir", Identity(f"prefix:{name}", 0, 0), 0)
            else:
                identity = _identity(self.storage.info(key))
                found[name] = Entry(folder, name, "file", identity, identity.mtime_ns)
        return [found[name] for name in sorted(found)]

    def copy(self, entry: Entry, limit: int, temporary: Path) -> tuple[Copied, Identity]:
        if entry.kind != "file":
            raise EntryRefused("not-a-file", f"{entry.display!r} is not a file", removable=False)
        key = self._key(entry)
        try:
            before = _identity(self.storage.info(key))
        except FileNotFoundError:
            raise EntryChanged("gone since it was listed") from None
        if before.size > limit:
            raise EntryRefused("too-large", f"file is {before.size} bytes, above the limit of {limit}")
        copied = copy_blocks(self._blocks(key), temporary, limit)
        try:
            after = _identity(self.storage.info(key))
        except FileNotFoundError:
            after = None
        if after != before or copied.size != before.size:
            temporary.unlink(missing_ok=True)
            raise EntryChanged(f"replaced while it was read ({before} -> {after}, {copied.size} bytes read)")
        return copied, before

    def _blocks(self, key: str) -> Iterator[bytes]:
        with self.storage.open_read(key) as stream:
            while block := stream.read(BLOCK):
                yield block

    def remove(self, entry: Entry, identity: Identity | None = None) -> bool:
        key = self._key(entry)
        try:
            current = _identity(self.storage.info(key))
        except FileNotFoundError:
            return False
        if current != (identity or entry.identity):
            return False
        self.storage.delete(key)
        return True
