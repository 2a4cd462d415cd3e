"""A Parquet file written batch by batch (one row group per batch), under a temporary name until it is
complete: ``close`` flushes it to disk and renames it into place, so a reader never sees half a file."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq


class ParquetStream:
    def __init__(self, path: Path, *, compression: str = "zstd", durable: bool = True) -> None:
        self.path = path
        self.compression = compression
        self.durable = durable
        self.rows = 0
        self._temporary = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
        self._writer: pq.ParquetWriter | None = None

    def write(self, batch: pa.Table | pl.DataFrame) -> None:
        table = batch.to_arrow() if isinstance(batch, pl.DataFrame) else batch
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self._temporary, table.schema, compression=self.compression)
        self._writer.write_table(table, row_group_size=max(1, table.num_rows))
        self.rows += table.num_rows

    def close(self) -> Path | None:
        """The complete file, or None when nothing was written (an existing file at ``path`` is removed)."""
        if self._writer is None:
            self.path.unlink(missing_ok=True)
            return None
        self._writer.close()
        self._writer = None
        if self.durable:
            with self._temporary.open("rb") as handle:
                os.fsync(handle.fileno())
        os.replace(self._temporary, self.path)
        return self.path

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._temporary.unlink(missing_ok=True)

    def __enter__(self) -> ParquetStream:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is not None:
            self.abort()


class WorkParts:
    """Intermediate frames of one extract, one Parquet file per batch in ``folder`` (written by polars, on
    all cores; lz4, fast to write and read back), read back lazily or batch by batch in order."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parts: list[Path] = []
        self.rows = 0

    def write(self, frame: pl.DataFrame) -> None:
        if frame.is_empty() and self.parts:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"part-{len(self.parts):06d}.parquet"
        frame.write_parquet(path, compression="lz4", statistics=False)
        self.parts.append(path)
        self.rows += frame.height

    def lazy(self) -> pl.LazyFrame | None:
        return pl.scan_parquet(self.parts) if self.parts else None

    def batches(self) -> Iterator[pl.DataFrame]:
        for path in self.parts:
            yield pl.read_parquet(path)
