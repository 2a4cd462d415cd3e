"""What identity resolution publishes, as Delta tables beside the agencies and integrated tables:

  published/<contract>/v<major>/identities/    one row per published record: _agency, the primary key as
                                               published, entity_key, match_probability, match_rule
  published/<contract>/v<major>/key_changes/   one row per key merged, split or retired, with the run

No clear identifying value is in either: the primary key is the agency's file number (published anyway), the
entity key an HMAC. ``identities`` is replaced whole by each resolution (one commit, time travel keeps the earlier
versions); ``key_changes`` only grows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pyarrow as pa
from deltalake import CommitProperties, write_deltalake

from accord.contracts.model import Contract
from accord.identity.keys import CHANGE, ENTITY_KEY, MOVED, NEW, OLD
from accord.identity.model import AGENCY, RECORD
from accord.publish.parquet import dataset_schema
from accord.publish.tables import IDENTITIES, KEY_CHANGES, Table

SEPARATOR = "\x1f"
RESOLVED_AT, RUN = "_resolved_at", "_run_id"


def record_id(contract: Contract) -> pl.Expr:
    """A record's id across agencies: agency and primary key values, unit-separated."""
    return pl.concat_str([pl.col(AGENCY), *(pl.col(k).cast(pl.String) for k in contract.primary_key)],
                         separator=SEPARATOR).alias(RECORD)


def identities_schema(contract: Contract) -> pa.Schema:
    published = dataset_schema(contract)
    keys = [published.field(k) for k in contract.primary_key]
    return pa.schema([pa.field(AGENCY, pa.string(), nullable=False), *keys,
                      pa.field(ENTITY_KEY, pa.string(), nullable=False), pa.field("match_probability", pa.float64()),
                      pa.field("match_rule", pa.string()), pa.field(RESOLVED_AT, pa.timestamp("us", tz="UTC"),
                                                                    nullable=False)])


def key_changes_schema() -> pa.Schema:
    return pa.schema([pa.field(OLD, pa.string(), nullable=False), pa.field(NEW, pa.string()),
                      pa.field(CHANGE, pa.string(), nullable=False), pa.field(MOVED, pa.int64(), nullable=False),
                      pa.field(RUN, pa.string(), nullable=False),
                      pa.field(RESOLVED_AT, pa.timestamp("us", tz="UTC"), nullable=False)])


def previous_keys(dirs: Any, contract: Contract) -> pl.DataFrame:
    """Each record's entity key as last published (empty before the first resolution)."""
    table = Table(dirs, contract, IDENTITIES)
    if table.version() is None:
        return pl.DataFrame(schema={RECORD: pl.String, ENTITY_KEY: pl.String})
    return table.scan().select(record_id(contract), ENTITY_KEY).collect()


def publish_identities(dirs: Any, contract: Contract, frame: pl.DataFrame, at: dt.datetime,
                       metadata: dict[str, str]) -> int:
    """Replace the identities table by ``frame`` (``_agency``, primary key, key, probability, rule): one commit."""
    schema = identities_schema(contract)
    rows = frame.with_columns(pl.lit(at, dtype=pl.Datetime("us", "UTC")).alias(RESOLVED_AT)) \
        .sort([AGENCY, *contract.primary_key]).select(schema.names).to_arrow().cast(schema)
    return Table(dirs, contract, IDENTITIES).write(rows, predicate=None, metadata=metadata,
                                                   description=f"{contract.label}: one entity key per record")


def append_key_changes(dirs: Any, contract: Contract, changes: pl.DataFrame, run: str, at: dt.datetime) -> None:
    if changes.is_empty():
        return
    schema = key_changes_schema()
    rows = changes.with_columns(pl.lit(run).alias(RUN), pl.lit(at, dtype=pl.Datetime("us", "UTC")).alias(RESOLVED_AT))
    table = Table(dirs, contract, KEY_CHANGES)
    write_deltalake(table.uri, rows.select(schema.names).to_arrow().cast(schema), mode="append",
                    storage_options=table.options, name=f"{contract.id} v{contract.major} key changes",
                    commit_properties=CommitProperties(custom_metadata={"accord.run_id": run}))


def entity_keys(dirs: Any, contract: Contract) -> pl.LazyFrame | None:
    """``_agency``, primary key, ``entity_key`` of every published record (None before any resolution)."""
    table = Table(dirs, contract, IDENTITIES)
    if table.version() is None:
        return None
    return table.scan().select(AGENCY, *contract.primary_key, ENTITY_KEY)


def key_health(dirs: Any, contract: Contract) -> tuple[int, int]:
    """Published records with no entity key, and records with more than one (both 0 when all is well)."""
    from accord.publish.tables import AGENCIES

    on = [AGENCY, *contract.primary_key]
    agencies = Table(dirs, contract, AGENCIES)
    keys = entity_keys(dirs, contract)
    if agencies.version() is None:
        return 0, 0
    records = agencies.scan().select(on).unique()
    if keys is None:
        return int(records.select(pl.len()).collect().item()), 0
    without = records.join(keys, on=on, how="anti").select(pl.len()).collect().item()
    several = keys.group_by(on).agg(pl.col(ENTITY_KEY).n_unique().alias("n")).filter(pl.col("n") > 1) \
        .select(pl.len()).collect().item()
    return int(without), int(several)


def published_stats(dirs: Any, contract_id: str, major: int) -> dict[str, Any] | None:
    """The figures of the last resolution of a contract version (None: it resolves no identities)."""
    import json

    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    from accord.settings import PUBLISHED

    try:
        table = DeltaTable(dirs.storage.uri(f"{PUBLISHED}/{contract_id}/v{major}/{IDENTITIES}"),
                           storage_options=dirs.storage.storage_options or None)
    except TableNotFoundError:
        return None
    history = table.history(1)
    stats = json.loads(history[0].get("accord.stats", "{}")) if history else {}
    return {"contract": contract_id, "major": major, **stats}
