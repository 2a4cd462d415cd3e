"""Parquet written batch by batch, each write on a background thread while the caller prepares the next
batch (Parquet encoding and compression release the GIL; at most one batch waits, so memory stays bounded).

``ParquetStream``: one file, one row group per batch, under a temporary name until it is complete: ``close``
flushes it to disk and renames it into place, so a reader never sees half a file.
``WorkParts``: intermediate frames, one file per batch, read back lazily or batch by batch in order.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq


class _OneAhead:
    """One write at a time on a background thread; ``submit`` waits for the previous one first."""

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None

    def submit(self, write: Callable[[], None]) -> None:
        self.wait()
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="accord-writer")
        self._pending = self._executor.submit(write)

    def wait(self) -> None:
        """Wait for the write in flight; its exception, if any, is raised here."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self._executor is not None:
                self._executor.shutdown()
                self._executor = None


class ParquetStream:
    def __init__(self, path: Path, dictionary: list[str] | None = None) -> None:
        """``dictionary``: the columns to dictionary-encode (default: every column)."""
        self.path = path
        self.dictionary = True if dictionary is None else dictionary
        self._temporary = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
        self._writer: pq.ParquetWriter | None = None
        self._background = _OneAhead()

    def write(self, batch: pa.Table | pl.DataFrame) -> None:
        import pyarrow.parquet  # imported where Parquet is written, not by every command that reads

        table = batch.to_arrow() if isinstance(batch, pl.DataFrame) else batch
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pyarrow.parquet.ParquetWriter(self._temporary, table.schema, compression="zstd",
                                                         use_dictionary=self.dictionary)
        writer = self._writer
        self._background.submit(lambda: writer.write_table(table, row_group_size=max(1, table.num_rows)))

    def close(self) -> Path | None:
        """The complete file, or None when nothing was written (an existing file at ``path`` is removed)."""
        self._background.close()
        if self._writer is None:
            self.path.unlink(missing_ok=True)
            return None
        self._writer.close()
        self._writer = None
        with self._temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self._temporary, self.path)
        return self.path

    def abort(self) -> None:
        try:
            self._background.close()
        finally:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            self._temporary.unlink(missing_ok=True)


class WorkParts:
    """Intermediate frames of one extract, one Parquet file per batch in ``folder`` (lz4: fast to write and
    read back)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parts: list[Path] = []
        self._background = _OneAhead()

    def write(self, frame: pl.DataFrame) -> None:
        if frame.is_empty() and self.parts:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"part-{len(self.parts):06d}.parquet"
        self._background.submit(lambda: frame.write_parquet(path, compression="lz4", statistics=False))
        self.parts.append(path)

    def finish(self) -> WorkParts:
        """Wait until every part is on disk."""
        self._background.close()
        return self

    def lazy(self) -> pl.LazyFrame | None:
        self.finish()
        return pl.scan_parquet(self.parts) if self.parts else None

    def batches(self) -> Iterator[pl.DataFrame]:
        self.finish()
        for path in self.parts:
            yield pl.read_parquet(path)
