"""Foreign keys between contracts (``benefit_payment.person_id`` -> ``person.person_id``), checked when an
integrated dataset is built, against the other contract's integrated dataset as it is then.

A row is an orphan when its value is not a key there (an empty value is not checked: ``required`` says
whether it may be empty). The report counts orphans per agency with three examples each (source file, row,
value). With ``onOrphan: warn`` the orphans stay in the integrated dataset and the report is computed afresh
every time the dataset is integrated (the other dataset may have gained the missing keys since); with
``quarantine`` they are kept out of the integrated dataset, so every change to the other dataset rebuilds
this one in full, and the report is the one recorded by that build.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from accord.contracts.model import Contract, ForeignKey
from accord.publish.tables import IDENTITIES, INTEGRATED, commit_metadata
from accord.reasons import ROW
from accord.settings import PUBLISHED, DataDirs

ORPHANS = "accord.orphans"  # commit metadata of a build that kept orphans out
TARGETS = "accord.foreign_key_targets"  # the other datasets' versions that build checked against
KEY = "_foreign_key"
EXAMPLES = 3


@dataclass(frozen=True)
class OrphanReport:
    column: str
    references: str
    on_orphan: str
    target_version: int | None  # None: the other contract has no integrated dataset yet
    rows: int = 0
    by_agency: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _uri(dirs: DataDirs, key: ForeignKey) -> str:
    """The dataset whose keys the foreign key points at: the other contract's integrated dataset, or, when the
    other contract resolves identities (its integrated dataset has one record per entity, not per key), its
    ``identities`` table, which lists the key of every published record."""
    base = f"{PUBLISHED}/{key.contract}/v{key.major}"
    if dirs.storage.exists(f"{base}/{IDENTITIES}/_delta_log/00000000000000000000.json"):
        return dirs.storage.uri(f"{base}/{IDENTITIES}")
    return dirs.storage.uri(f"{base}/{INTEGRATED}")


def target_version(dirs: DataDirs, key: ForeignKey) -> int | None:
    try:
        return DeltaTable(_uri(dirs, key), storage_options=dirs.storage.storage_options or None).version()
    except TableNotFoundError:
        return None


def target_keys(dirs: DataDirs, key: ForeignKey, version: int | None) -> pl.DataFrame:
    """The other dataset's keys (distinct), as column ``_foreign_key``."""
    if version is None:
        return pl.DataFrame(schema={KEY: pl.String})
    scanned = pl.scan_delta(_uri(dirs, key), version=version, storage_options=dirs.storage.storage_options or None)
    return scanned.select(pl.col(key.target).cast(pl.String).alias(KEY)).unique().collect()


def orphans(records: pl.LazyFrame | pl.DataFrame, key: ForeignKey, keys: pl.DataFrame) -> pl.LazyFrame:
    """The records whose value of ``key.column`` is not among ``keys``."""
    values = records.lazy().filter(pl.col(key.column).is_not_null())
    return values.join(keys.lazy(), left_on=pl.col(key.column).cast(pl.String), right_on=KEY, how="anti")


def report(found: pl.LazyFrame, key: ForeignKey, version: int | None) -> OrphanReport:
    """Counts per agency and the first examples (by source file and row), without holding every orphan."""
    example = pl.struct(pl.col("_source_file").alias("source_file"), pl.col(ROW).alias("source_row"),
                        pl.col(key.column).cast(pl.String).alias("value"))
    grouped = found.sort("_agency", "_source_file", ROW).group_by("_agency", maintain_order=True).agg(
        pl.len().alias("rows"), example.head(EXAMPLES).alias("examples")).collect()
    by_agency = {str(a): int(n) for a, n in grouped.select("_agency", "rows").rows()}
    examples = {str(a): list(e) for a, e in grouped.select("_agency", "examples").rows()}
    return OrphanReport(key.column, key.references, key.on_orphan, version, sum(by_agency.values()), by_agency,
                        examples)


def quarantining(contract: Contract) -> list[ForeignKey]:
    return [k for k in contract.foreign_keys if k.on_orphan == "quarantine"]


def targets_now(dirs: DataDirs, contract: Contract) -> dict[str, int | None]:
    """The versions of the datasets the ``quarantine`` foreign keys point at."""
    return {k.references: target_version(dirs, k) for k in quarantining(contract)}


def recorded(commit: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The target versions and orphan reports a build recorded in its commit."""
    return json.loads(commit.get(TARGETS, "{}")), json.loads(commit.get(ORPHANS, "{}"))


def build_metadata(targets: dict[str, int | None], reports: list[OrphanReport]) -> dict[str, str]:
    return commit_metadata(foreign_key_targets=targets, orphans={r.column: r.to_json() for r in reports})
