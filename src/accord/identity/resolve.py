"""Resolve a contract's published records to entities: read the population (the agencies table's records and
their identifying values from the private zone), link it (incrementally when the model and declaration are
those of the last run), publish ``identities`` and ``key_changes``, keep the state the next run starts from.

State, private (``identity/<contract>/v<major>/state/``): the population as last linked (normalised values),
the model's scores at or above ``reviewAt``, the review queue, and ``state.json`` (what they were made with).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from accord.contracts.model import Contract
from accord.identity import decisions as steward
from accord.identity.link import Engine
from accord.identity.model import AGENCY, RECORD, declaration_of, load_model
from accord.identity.population import resolve_population
from accord.identity.tables import (
    append_key_changes,
    previous_keys,
    publish_identities,
    record_id,
)
from accord.identity.vault import read_values, values_columns, values_schema, vault_key
from accord.intake import store_for
from accord.publish.pseudonym import PseudonymKey
from accord.publish.tables import (
    AGENCIES,
    IDENTITIES,
    SOURCE_VERSION,
    Table,
    agency_submissions,
    commit_metadata,
    table_agencies,
)
from accord.settings import DataDirs
from accord.storage.private import private_dir

STATE_FILES = ("population", "scores", "review")


@dataclass
class IdentityResult:
    contract: str
    major: int
    version: int | None  # of the identities table
    source_version: int | None  # of the agencies table it resolved
    stats: dict[str, Any] = field(default_factory=dict)
    resolved: bool = True  # False: the identities were already those of the agencies table


def state_key(contract: Contract, name: str) -> str:
    return f"{vault_key(contract)}/state/{name}"


def population(dirs: DataDirs, contract: Contract) -> pl.DataFrame:
    """Every published record of the contract (``RECORD``, ``_agency``, primary key) with its normalised
    identifying values (null where the private zone holds none: a record published before identity resolution,
    or whose values were all empty)."""
    agencies = Table(dirs, contract, AGENCIES)
    keys = contract.primary_key
    columns = values_columns(contract)
    if agencies.version() is None:
        return pl.DataFrame(schema={RECORD: pl.String, AGENCY: pl.String, **dict(values_schema(contract))})
    records = agencies.scan().select(AGENCY, *keys).unique().collect()
    published = {agency: agency_submissions(agencies, agency) for agency in table_agencies(agencies)}
    values = read_values(dirs, contract, published)
    values = values.with_columns(pl.col(k).cast(records.schema[k]) for k in keys)
    joined = records.join(values, on=[AGENCY, *keys], how="left")
    return joined.with_columns(record_id(contract)).select(RECORD, AGENCY, *columns).sort(RECORD)


def _read_state(dirs: DataDirs, contract: Contract, made_with: dict[str, Any]) -> dict[str, pl.DataFrame]:
    """The last run's population, scores and review queue, when made with the same model and declaration."""
    key = state_key(contract, "state.json")
    if not dirs.storage.exists(key) or json.loads(dirs.storage.read_text(key)) != made_with:
        return {}
    out = {}
    for name in STATE_FILES:
        with dirs.storage.open_read(state_key(contract, f"{name}.parquet")) as handle:
            out[name] = pl.read_parquet(handle)
    return out


def _write_state(dirs: DataDirs, contract: Contract, made_with: dict[str, Any],
                 frames: dict[str, pl.DataFrame]) -> None:
    with tempfile.TemporaryDirectory(prefix="accord-identity-", dir=private_dir(dirs.work)) as work:
        for name, frame in frames.items():
            local = Path(work) / f"{name}.parquet"
            frame.write_parquet(local)
            dirs.storage.put_file(local, state_key(contract, f"{name}.parquet"), private=True, move=True)
    dirs.storage.write_text(state_key(contract, "state.json"), json.dumps(made_with, sort_keys=True), private=True)


def resolve(contract: Contract, dirs: DataDirs, key: PseudonymKey, *, engine: Engine | None = None,
            full: bool = False) -> IdentityResult:
    """Bring the contract's identities up to its agencies table. Nothing new since the last resolution (same
    agencies version, model, declaration and decisions): nothing is written."""
    from accord.agency import publication_lock

    declared = declaration_of(contract)
    model = load_model(contract) if declared.comparisons else None
    store = store_for(dirs)
    decided = steward.current(store, contract.id, contract.major)
    with publication_lock(dirs, contract):
        agencies, identities = Table(dirs, contract, AGENCIES), Table(dirs, contract, IDENTITIES)
        source = agencies.version()
        made_with = {"declaration_sha256": declared.sha256, "model_trained_at": model.trained_at if model else None,
                     "pseudonym_key_id": key.key_id, "contract_sha256": contract.sha256}
        last = identities.last_commit()
        fingerprint = {**made_with, "source_version": source, "decisions": steward.fingerprint(decided)}
        if not full and last.get("accord.resolved_with") == json.dumps(fingerprint, sort_keys=True):
            return IdentityResult(contract.id, contract.major, identities.version(), source,
                                  json.loads(last.get("accord.stats", "{}")), resolved=False)
        people = population(dirs, contract)
        state = {} if full else _read_state(dirs, contract, made_with)
        run = uuid.uuid4().hex[:12]
        outcome = resolve_population(
            people.drop(contract.primary_key), declared, model.splink if model else None, engine or Engine.duckdb(),
            key, contract.id, previous=previous_keys(dirs, contract), before=state.get("population"),
            kept_scores=state.get("scores"), kept_review=state.get("review"), decisions=decided, run=run)
        empty = people.select(pl.all_horizontal(pl.exclude(RECORD, AGENCY, *contract.primary_key).is_null()))
        stats = {**outcome.stats, "records_without_identifying_values": int(empty.to_series().sum()),
                 "run_id": run, "incremental": "population" in state}
        now = dt.datetime.now(dt.UTC)
        published = people.select(RECORD, AGENCY, *contract.primary_key).join(outcome.assigned, on=RECORD)
        version = publish_identities(dirs, contract, published, now, commit_metadata(
            run_id=run, contract_sha256=contract.sha256, stats=stats, pseudonym_key_id=key.key_id,
            resolved_with=json.dumps(fingerprint, sort_keys=True),
            **{SOURCE_VERSION.removeprefix("accord."): str(source)}))
        append_key_changes(dirs, contract, outcome.changes, run, now)
        _write_state(dirs, contract, made_with, {"population": people.drop(contract.primary_key),
                                                 "scores": outcome.scored, "review": outcome.review})
    return IdentityResult(contract.id, contract.major, version, source, stats)


def review_queue(dirs: DataDirs, contract: Contract) -> pl.DataFrame:
    """The pairs waiting for a steward, as the last resolution left them (most likely first)."""
    key = state_key(contract, "review.parquet")
    if not dirs.storage.exists(key):
        return pl.DataFrame()
    with dirs.storage.open_read(key) as handle:
        return pl.read_parquet(handle)
