"""What the portal took in: one receipt per upload sent to the landing zone, so an agency can follow a file
from the moment it is sent (before a pickup has made it a submission) to its submissions, one per contract it
feeds. In the submission database, beside the records pickup writes."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

UPLOAD_ID = re.compile(r"^up-[0-9a-f]{20}$")

_metadata = sa.MetaData()
_table = sa.Table(
    "portal_uploads", _metadata,
    sa.Column("upload_id", sa.Text, primary_key=True),
    sa.Column("agency", sa.Text, nullable=False, index=True),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("submitted_at", sa.Text, nullable=False),
    sa.Column("token_id", sa.Text, nullable=False),
)


@dataclass(frozen=True)
class Receipt:
    upload_id: str
    agency: str
    file_name: str
    sha256: str
    size: int
    submitted_at: str
    token_id: str


class Receipts:
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        _metadata.create_all(engine)

    def add(self, agency: str, file_name: str, sha256: str, size: int, token_id: str, submitted_at: str) -> Receipt:
        receipt = Receipt(f"up-{secrets.token_hex(10)}", agency, file_name, sha256, size, submitted_at, token_id)
        with self.engine.begin() as db:
            db.execute(_table.insert().values(**receipt.__dict__))
        return receipt

    def get(self, upload_id: str) -> Receipt | None:
        if not UPLOAD_ID.match(upload_id):
            return None
        with self.engine.connect() as db:
            row = db.execute(sa.select(_table).where(_table.c.upload_id == upload_id)).first()
        return Receipt(*row) if row is not None else None

    def of_agency(self, agency: str | None, limit: int = 200) -> list[Receipt]:
        query = sa.select(_table).order_by(_table.c.submitted_at.desc(), _table.c.upload_id).limit(limit)
        if agency is not None:
            query = query.where(_table.c.agency == agency)
        with self.engine.connect() as db:
            return [Receipt(*row) for row in db.execute(query)]
