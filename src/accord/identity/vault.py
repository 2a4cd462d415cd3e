"""The clear identifying values linkage needs, kept in the private zone and nowhere else.

While a submission is processed, before its ``pii`` fields become pseudonyms, the identifying fields of the
contract's identity declaration are normalised (``accord.identity.normalise``) and written beside the staged
part, as a private file (``0600``, or the stewards' group: ``accord.storage.private``):

    identity/<contract>/v<major>/agency=<agency>/part-<submission>.parquet

``identity/`` is a zone of the data directory like ``archive/``: never under ``published/``. A part lives as long
as its submission is published and at most the declaration's ``retentionDays`` after it was received; the
resolution (``accord.identity.resolve``) removes the others.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from accord.contracts.model import Contract
from accord.identity.model import declaration_of
from accord.identity.normalise import NAME_KEY, normalised
from accord.publish.stream import ParquetStream
from accord.settings import IDENTITY, DataDirs

INGESTED = "_ingested_at"
SUBMISSION = "_submission_id"


def vault_key(contract: Contract, agency: str | None = None) -> str:
    base = f"{IDENTITY}/{contract.id}/v{contract.major}"
    return base if agency is None else f"{base}/agency={agency}"


def part_of(contract: Contract, agency: str, submission_id: str) -> str:
    return f"{vault_key(contract, agency)}/part-{submission_id.removeprefix(agency + '-')}.parquet"


def values_columns(contract: Contract) -> list[str]:
    """The columns of a vault part: primary key, identifying fields (normalised), the name key."""
    declared = declaration_of(contract)
    fields = [f for f in declared.fields if f not in contract.primary_key]
    return [*contract.primary_key, *fields, *([NAME_KEY] if declared.name_pair else [])]


def values_schema(contract: Contract) -> pl.Schema:
    """The types of a vault part's columns: dates stay dates, the rest is normalised text."""
    types = {f.name: f.logical_type for f in contract.fields}
    return pl.Schema({c: pl.Date() if types.get(c) == "date" else pl.String() for c in values_columns(contract)})


class VaultWriter:
    """A submission's identifying values, batch by batch, into a private work file stored whole at the end."""

    def __init__(self, contract: Contract, agency: str, submission_id: str, received: dt.datetime,
                 work: Path) -> None:
        self.contract, self.agency, self.submission_id, self.received = contract, agency, submission_id, received
        self.stream = ParquetStream(work / "identity.parquet", dictionary=[])

    def __call__(self, values: pl.DataFrame) -> None:
        declared = declaration_of(self.contract)
        kept = values.select(*dict.fromkeys([*self.contract.primary_key, *declared.fields]))
        frame = normalised(kept, self.contract, declared).select(values_columns(self.contract)) \
            .cast(values_schema(self.contract))
        self.stream.write(frame.with_columns(pl.lit(self.received, dtype=pl.Datetime("us", "UTC")).alias(INGESTED),
                                             pl.lit(self.submission_id).alias(SUBMISSION)))

    def finish(self, dirs: DataDirs, keep: bool) -> None:
        key = part_of(self.contract, self.agency, self.submission_id)
        written = self.stream.close() if keep else None
        if written is None:
            self.stream.abort()
            dirs.storage.delete(key)
            return
        dirs.storage.put_file(written, key, private=True, move=True)

    def abort(self) -> None:
        self.stream.abort()


def parts(dirs: DataDirs, contract: Contract) -> dict[tuple[str, str], str]:
    """(agency, submission id) -> key of every vault part of the contract."""
    out = {}
    for key in dirs.storage.list(vault_key(contract)):
        folder, _, name = key.rpartition("/")
        agency = folder.rpartition("agency=")[2]
        if name.startswith("part-") and name.endswith(".parquet"):
            out[(agency, f"{agency}-{name[5:-8]}")] = key
    return out


def read_values(dirs: DataDirs, contract: Contract, published: dict[str, set[str]]) -> pl.DataFrame:
    """The identifying values of the published submissions (agency -> submission ids), one row per agency and
    primary key: the most recently received submission's. Parts of submissions no longer published, or older
    than the declaration's retention, are removed."""
    declared = declaration_of(contract)
    oldest = dt.datetime.now(dt.UTC) - dt.timedelta(days=declared.retention_days)
    frames = []
    for (agency, submission), key in parts(dirs, contract).items():
        if submission not in published.get(agency, set()):
            dirs.storage.delete(key)
            continue
        with dirs.storage.open_read(key) as handle:
            frame = pl.read_parquet(handle)
        if frame.height and frame.get_column(INGESTED).max() < oldest:  # type: ignore[operator]
            dirs.storage.delete(key)
            continue
        frames.append(frame.with_columns(pl.lit(agency).alias("_agency")).cast(values_schema(contract))
                      if frame.height else frame.with_columns(pl.lit(agency).alias("_agency")))
    columns = values_columns(contract)
    if not frames:
        return pl.DataFrame(schema={"_agency": pl.String, **dict(values_schema(contract))})
    every = pl.concat(frames, how="diagonal_relaxed")
    latest = every.sort(["_agency", *contract.primary_key, INGESTED, SUBMISSION],
                        descending=[False] * (1 + len(contract.primary_key)) + [True, True])
    return latest.unique(["_agency", *contract.primary_key], keep="first").select("_agency", *columns)
