"""Stewards' decisions on pairs of records: ``same`` or ``different``, in the submissions database (SQLite or
PostgreSQL), append-only: every decision stays, with who took it, when and why; the latest one of a pair is the
one every later resolution honours.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from accord.errors import AccordError
from accord.governance.audit import now
from accord.identity.link import LEFT, RIGHT
from accord.intake.store import SubmissionStore

DECISIONS = ("same", "different")
DECISION_SCHEMA = {LEFT: pl.String, RIGHT: pl.String, "decision": pl.String}
_metadata = sa.MetaData()
_decisions = sa.Table(
    "identity_decisions", _metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Text, nullable=False),
    sa.Column("steward", sa.Text, nullable=False),
    sa.Column("contract", sa.Text, nullable=False),
    sa.Column("major", sa.Integer, nullable=False),
    sa.Column("record_l", sa.Text, nullable=False),
    sa.Column("record_r", sa.Text, nullable=False),
    sa.Column("decision", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
)


@dataclass(frozen=True)
class Decision:
    at: str
    steward: str
    contract: str
    major: int
    record_l: str
    record_r: str
    decision: str
    note: str = ""


def decide(store: SubmissionStore, decision: Decision) -> Decision:
    if decision.decision not in DECISIONS:
        raise AccordError(f"a decision is one of {', '.join(DECISIONS)}, not {decision.decision!r}")
    if not decision.steward.strip():
        raise AccordError("a decision needs the steward who takes it")
    low, high = sorted((decision.record_l, decision.record_r))
    if low == high:
        raise AccordError("a pair needs two different records")
    _metadata.create_all(store.engine)
    with store.engine.begin() as db:
        db.execute(_decisions.insert().values(at=decision.at, steward=decision.steward, contract=decision.contract,
                                              major=decision.major, record_l=low, record_r=high,
                                              decision=decision.decision, note=decision.note))
    return decision


def history(store: SubmissionStore, contract: str, major: int) -> list[Decision]:
    """Every decision on the contract's records, oldest first."""
    _metadata.create_all(store.engine)
    query = sa.select(_decisions).where(_decisions.c.contract == contract, _decisions.c.major == major) \
        .order_by(_decisions.c.seq)
    with store.engine.begin() as db:
        return [Decision(r.at, r.steward, r.contract, r.major, r.record_l, r.record_r, r.decision, r.note)
                for r in db.execute(query)]


def current(store: SubmissionStore, contract: str, major: int) -> pl.DataFrame:
    """The latest decision of each pair: ``record_id_l``, ``record_id_r`` (in order), ``decision``."""
    latest: dict[tuple[str, str], str] = {}
    for d in history(store, contract, major):
        latest[(d.record_l, d.record_r)] = d.decision
    return pl.DataFrame([(low, high, what) for (low, high), what in sorted(latest.items())],
                        schema=DECISION_SCHEMA, orient="row")


def fingerprint(decided: pl.DataFrame) -> str:
    """What the decisions say, as a digest: a decision taken again the other way changes it (a count would not)."""
    text = "\n".join("\x1f".join(map(str, row)) for row in decided.rows())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


__all__ = ["DECISIONS", "DECISION_SCHEMA", "Decision", "current", "decide", "fingerprint", "history", "now"]
