"""The audit trail of contract changes: who proposed, published, deprecated and retired which contract version,
and when, in the submissions database (SQLite or PostgreSQL, beside the submissions)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from accord.intake.store import SubmissionStore

_metadata = sa.MetaData()
_events = sa.Table(
    "contract_events", _metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("contract", sa.Text, nullable=False),
    sa.Column("version", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False, server_default=""),
)


@dataclass(frozen=True)
class ContractEvent:
    at: str
    actor: str
    action: str  # proposed | published | deprecated | retired
    contract: str
    version: str
    detail: str = ""


def record(store: SubmissionStore, event: ContractEvent) -> ContractEvent:
    _metadata.create_all(store.engine)
    with store.engine.begin() as db:
        db.execute(_events.insert().values(at=event.at, actor=event.actor, action=event.action,
                                           contract=event.contract, version=event.version, detail=event.detail))
    return event


def events(store: SubmissionStore, contract: str | None = None) -> list[ContractEvent]:
    """The trail, oldest first (of one contract, if given)."""
    _metadata.create_all(store.engine)
    query = sa.select(_events).order_by(_events.c.seq)
    if contract is not None:
        query = query.where(_events.c.contract == contract)
    with store.engine.begin() as db:
        return [ContractEvent(r.at, r.actor, r.action, r.contract, r.version, r.detail) for r in db.execute(query)]


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
