"""Whole-file writes that a reader, or a process killed half-way, never sees half done: written beside the
target under a temporary name, flushed, renamed into place."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from accord.storage.private import secure_file


@contextlib.contextmanager
def replacing(target: Path, *, private: bool = False) -> Iterator[Path]:
    """A temporary path to write; on success it replaces ``target`` (``private``: owner-only mode)."""
    target.parent.mkdir(parents=True, exist_ok=True)
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


def write_text(target: Path, text: str, *, private: bool = False) -> Path:
    with replacing(target, private=private) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return target
