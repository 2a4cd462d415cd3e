"""Browser sessions: a random cookie value, stored as its SHA-256 (a leaked database holds no usable cookie),
tied to the token that signed in and to a CSRF secret the session's forms carry. A session is valid while it
has not expired, not been ended, and its token is not revoked (read again on every request)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from accord.access.tokens import Principal, TokenStore, metadata

SESSION_HOURS = 8

sessions_table = sa.Table(
    "access_sessions", metadata,
    sa.Column("session_hash", sa.Text, primary_key=True),
    sa.Column("token_id", sa.Text, nullable=False, index=True),
    sa.Column("csrf", sa.Text, nullable=False),
    sa.Column("expires_at", sa.Text, nullable=False),
)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Session:
    principal: Principal
    csrf: str


class SessionStore:
    def __init__(self, tokens: TokenStore, hours: float = SESSION_HOURS) -> None:
        self.tokens = tokens
        self.engine = tokens.engine
        self.hours = hours
        metadata.create_all(self.engine)

    def start(self, principal: Principal) -> str:
        """A new session for a signed-in principal; returns the cookie value."""
        value = secrets.token_urlsafe(32)
        expires = (_now() + dt.timedelta(hours=self.hours)).isoformat(timespec="seconds")
        with self.engine.begin() as db:
            db.execute(sessions_table.delete().where(sessions_table.c.expires_at < _now().isoformat()))
            db.execute(sessions_table.insert().values(session_hash=_digest(value), token_id=principal.token_id,
                                                      csrf=secrets.token_urlsafe(32), expires_at=expires))
        return value

    def get(self, value: str) -> Session | None:
        with self.engine.connect() as db:
            row = db.execute(sa.select(sessions_table).where(sessions_table.c.session_hash == _digest(value))).first()
        if row is None or row.expires_at < _now().isoformat(timespec="seconds"):
            return None
        principal = self.tokens.active(row.token_id)
        return Session(principal, row.csrf) if principal is not None else None

    def end(self, value: str) -> None:
        with self.engine.begin() as db:
            db.execute(sessions_table.delete().where(sessions_table.c.session_hash == _digest(value)))
