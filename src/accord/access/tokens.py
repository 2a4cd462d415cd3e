"""Access tokens: ``acc_<id>_<secret>``, created by an operator for an agency (or for an operator, who sees
every agency), shown once, stored as a scrypt hash of the secret. A token is checked by its id (which names the
row) and a constant-time comparison of the hash; an unknown id costs the same scrypt as a known one, so timing
tells nothing. Revoking a token takes effect on the next request: every request reads the row again."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from accord.errors import AccordError
from accord.intake import store_for
from accord.intake.names import agency_problem
from accord.settings import DataDirs

OPERATOR = "*"  # the agency of an operator token
PREFIX = "acc"
TOKEN_PATTERN = re.compile(r"^acc_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}  # ~40 ms a check on this machine's cores
_DUMMY_SALT = b"\0" * 16

metadata = sa.MetaData()
tokens_table = sa.Table(
    "access_tokens", metadata,
    sa.Column("token_id", sa.Text, primary_key=True),
    sa.Column("agency", sa.Text, nullable=False),
    sa.Column("label", sa.Text, nullable=False, server_default=""),
    sa.Column("salt", sa.Text, nullable=False),
    sa.Column("hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("revoked_at", sa.Text),
    sa.Column("last_used_at", sa.Text),
)


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _hash(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode("ascii"), salt=salt, **SCRYPT)


@dataclass(frozen=True)
class Principal:
    """Who a request comes from: an agency, or an operator (``agency == OPERATOR``)."""

    token_id: str
    agency: str
    label: str

    @property
    def is_operator(self) -> bool:
        return self.agency == OPERATOR

    def may_see(self, agency: str) -> bool:
        return self.is_operator or agency == self.agency


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    agency: str
    label: str
    created_at: str
    revoked_at: str | None
    last_used_at: str | None


class TokenStore:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        metadata.create_all(engine)

    @classmethod
    def of(cls, dirs: DataDirs) -> TokenStore:
        """The tokens of a data directory, in its submission database."""
        return cls(store_for(dirs).engine)

    def create(self, agency: str, label: str = "") -> str:
        """A new token for ``agency`` (or ``OPERATOR``); the returned text is the only copy of the secret."""
        if agency != OPERATOR and (problem := agency_problem(agency)):
            raise AccordError(problem)
        token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        with self.engine.begin() as db:
            db.execute(tokens_table.insert().values(token_id=token_id, agency=agency, label=label[:200],
                                                    salt=salt.hex(), hash=_hash(secret, salt).hex(),
                                                    created_at=now()))
        return f"{PREFIX}_{token_id}_{secret}"

    def verify(self, token: str) -> Principal | None:
        """The principal of a valid, unrevoked token, else None (in the same time whatever is wrong)."""
        match = TOKEN_PATTERN.match(token)
        token_id, secret = match.groups() if match else ("", "x" * 43)
        row = self._row(token_id) if match else None
        salt = bytes.fromhex(row.salt) if row is not None else _DUMMY_SALT
        computed = _hash(secret, salt)
        expected = bytes.fromhex(row.hash) if row is not None else b"\0" * len(computed)
        if not hmac.compare_digest(computed, expected) or row is None or row.revoked_at is not None:
            return None
        with self.engine.begin() as db:
            db.execute(tokens_table.update().where(tokens_table.c.token_id == token_id).values(last_used_at=now()))
        return Principal(token_id, row.agency, row.label)

    def active(self, token_id: str) -> Principal | None:
        """The principal of token ``token_id`` if it is still valid (what a session re-reads each request)."""
        row = self._row(token_id)
        if row is None or row.revoked_at is not None:
            return None
        return Principal(token_id, row.agency, row.label)

    def revoke(self, token_id: str) -> bool:
        with self.engine.begin() as db:
            done = db.execute(tokens_table.update().where((tokens_table.c.token_id == token_id)
                                                          & tokens_table.c.revoked_at.is_(None))
                              .values(revoked_at=now()))
        return bool(done.rowcount)

    def list(self, agency: str | None = None) -> list[TokenInfo]:
        query = sa.select(*(tokens_table.c[f] for f in TokenInfo.__dataclass_fields__))
        if agency is not None:
            query = query.where(tokens_table.c.agency == agency)
        with self.engine.connect() as db:
            return [TokenInfo(*row) for row in db.execute(query.order_by(tokens_table.c.created_at))]

    def has_operator(self) -> bool:
        return any(t.revoked_at is None for t in self.list(OPERATOR))

    def _row(self, token_id: str) -> sa.Row[tuple[str, ...]] | None:
        with self.engine.connect() as db:
            return db.execute(sa.select(tokens_table).where(tokens_table.c.token_id == token_id)).first()
