"""Key ranges: how the integrated table stays bounded in memory and how a change re-writes only what it touches.

**Building.** Up to ``IN_MEMORY_ROWS`` records (read from at most ``IN_MEMORY_BYTES`` of Parquet, so that
wide records are not held at once either) are deduplicated at once (writing them to range files and
reading them back cost more than the deduplication: 3.8 of 6.7 CPU seconds at 2 M records). Above that, the
records are first distributed into ranges of the (first) key column, whose bounds come from a sample of the
keys; each range is then deduplicated on its own and written in key order, so only one range is in memory at
a time. Either way the files hold at most ``ROWS_PER_RANGE`` records.

**Layout.** Each file of the integrated table holds one range of the first key column, the files one after
another in key order: a file holds the keys from its own minimum up to (not including) the next file's
minimum; the first file also holds every key below it, the last every key above. ``FileRanges`` reads that
layout from the files' Delta statistics, and says which files a set of changed keys falls in.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from accord.contracts.model import Contract
from accord.integrate.survivorship import integration_key
from accord.publish.parquet import dataset_schema
from accord.publish.stream import WorkParts

ROWS_PER_RANGE = 250_000
# Up to IN_MEMORY_ROWS records read from at most IN_MEMORY_BYTES of Parquet are deduplicated at once, with no range
# files written and read back (2 M person records: 50 MB of Parquet, 334 MB in memory; their whole integration, the
# keys in no particular order, peaks at 1.2 GB).
IN_MEMORY_ROWS = 2_000_000
IN_MEMORY_BYTES = 64 * 1024 * 1024


def _bounds(records: pl.LazyFrame, column: str, ranges: int) -> pl.Series:
    """``ranges - 1`` increasing values of ``column`` that cut the records into ranges of similar size."""
    every = max(1, ROWS_PER_RANGE // 1000)
    sample = records.select(column).drop_nulls().gather_every(every).collect().get_column(column)
    if sample.is_empty():
        return sample
    sample = sample.sort()
    picks = [sample[int(len(sample) * i / ranges)] for i in range(1, ranges)]
    return pl.Series(column, picks, dtype=sample.dtype).unique(maintain_order=True)


def in_ranges(records: pl.LazyFrame, batches: Callable[[], Iterator[pl.DataFrame]], contract: Contract, rows: int,
              work: Path, stored_bytes: int = 0) -> Iterator[pl.DataFrame]:
    """The records, one key range at a time in key order (all at once up to ``IN_MEMORY_ROWS`` read from at most
    ``IN_MEMORY_BYTES`` of Parquet; ``rows`` and ``stored_bytes`` are how many there are and how much Parquet
    holds them, or estimates). ``batches`` gives the same records batch by batch, in bounded memory."""
    names = dataset_schema(contract).names
    few = rows <= ROWS_PER_RANGE or (rows <= IN_MEMORY_ROWS and stored_bytes <= IN_MEMORY_BYTES)
    key = integration_key(contract)
    names += [n for n in key if n not in names]
    if few or not key:
        yield records.select(names).collect()
        return
    column = key[0]
    bounds = _bounds(records, column, -(-rows // ROWS_PER_RANGE))
    ranges = [WorkParts(work / f"range-{i:05d}") for i in range(bounds.len() + 1)]
    for frame in batches():
        index = bounds.search_sorted(frame.get_column(column), side="right")
        placed = frame.with_columns(index.alias("_range"))
        for (number,), piece in placed.partition_by("_range", as_dict=True, include_key=False).items():
            ranges[int(number)].write(piece)
    for bucket in ranges:
        if bucket.parts:
            yield pl.concat(list(bucket.batches()))


@dataclass(frozen=True)
class FileRanges:
    """The integrated table's files in key order, each with the range of first-key values it holds."""

    column: str
    files: list[dict[str, Any]]  # rows of ``Table.files``, by increasing minimum key
    lows: pl.Series  # each file's minimum key

    @classmethod
    def of(cls, files: list[dict[str, Any]], column: str) -> FileRanges | None:
        """The layout, or None when the files do not hold disjoint key ranges (statistics missing, or ranges
        that overlap: a table that accord did not lay out)."""
        low, high = f"min.{column}", f"max.{column}"
        if not files or any(f.get(low) is None or f.get(high) is None for f in files):
            return None
        ordered = sorted(files, key=lambda f: f[low])
        if any(a[high] >= b[low] for a, b in itertools.pairwise(ordered)):
            return None
        return cls(column, ordered, pl.Series(column, [f[low] for f in ordered]))

    def touched(self, keys: pl.Series) -> list[list[int]]:
        """The files that hold ``keys``, as runs of neighbouring files (indexes into ``files``)."""
        if keys.is_empty():
            return []
        after = self.lows.search_sorted(keys.cast(self.lows.dtype), side="right").cast(pl.Int64)
        found = (after - 1).clip(0).unique().sort()  # the file with the largest minimum not above the key
        runs: list[list[int]] = []
        for index in found.to_list():
            if runs and runs[-1][-1] == index - 1:
                runs[-1].append(index)
            else:
                runs.append([index])
        return runs

    def span(self, run: list[int]) -> pl.Expr:
        """The records whose key falls in a run of files."""
        first, last = run[0], run[-1]
        key, condition = pl.col(self.column), pl.lit(True)
        if first > 0:
            condition &= key >= self.lows[first]
        if last + 1 < self.lows.len():
            condition &= key < self.lows[last + 1]
        return condition
