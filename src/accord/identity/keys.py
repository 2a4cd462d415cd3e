"""Entity keys that stay put: a cluster keeps the key its records had, unless the evidence changed.

A key is opaque: ``HMAC-SHA256(pseudonymisation key, "accord-entity" + contract + record id)`` of one of its
records, 128 bits in base64url. The record id (agency and primary key) is published, the key is secret: the
entity key cannot be computed from anything a consumer holds.

From one run to the next:

- every old key goes to the cluster holding most of its records (ties: the smaller cluster id);
- a cluster holding old keys takes the one with most of its records (ties: the smaller key); the other old
  keys it holds were **merged** into it;
- a cluster that took no old key gets a new one; the records it took from an old key were **split** off it;
- a key whose records are all gone (the agencies withdrew them) is **retired**.

``key_changes`` lists each merge, split and retirement: old key, new key (none for a retirement), records moved.
"""

from __future__ import annotations

import polars as pl
import polars_hash as plh

from accord.identity.link import CLUSTER
from accord.identity.model import RECORD
from accord.publish.pseudonym import PseudonymKey, b64url_of_hex

ENTITY_KEY = "entity_key"
OLD, NEW, CHANGE, MOVED = "old_key", "new_key", "change", "records"


def new_keys(key: PseudonymKey, contract_id: str, records: pl.Series, salt: str = "") -> pl.Series:
    """The key each record id of ``records`` would found (HMAC-SHA256 of the domain, contract, record and
    ``salt``, its first 128 bits in base64url), computed in one pass."""
    prefix = f"accord-entity\x1f{contract_id}\x1f"
    text = prefix + records + f"\x1f{salt}"
    hexes = text.to_frame("text").select(plh.col("text").chash.hmac_sha256(key=key.secret.decode("utf-8"))).to_series()
    return b64url_of_hex(hexes).alias(ENTITY_KEY) if hexes.len() else pl.Series(ENTITY_KEY, [], dtype=pl.String)


def assign(grouped: pl.DataFrame, previous: pl.DataFrame, key: PseudonymKey, contract_id: str,
           salt: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Keys for ``grouped`` (``RECORD``, ``CLUSTER``) given ``previous`` (``RECORD``, ``ENTITY_KEY``): each
    record's key, and the key changes. ``salt`` (the run) makes a new key differ from any key a record's cluster
    had before."""
    placed = grouped.join(previous, on=RECORD, how="left")
    held = placed.drop_nulls(ENTITY_KEY).group_by(CLUSTER, ENTITY_KEY).agg(pl.len().alias(MOVED))
    # each old key to the cluster with most of its records
    owner = held.sort([ENTITY_KEY, MOVED, CLUSTER], descending=[False, True, False]).unique(
        ENTITY_KEY, keep="first")
    # each cluster to the old key it owns with most records
    kept = owner.sort([CLUSTER, MOVED, ENTITY_KEY], descending=[False, True, False]).unique(CLUSTER, keep="first") \
        .select(CLUSTER, ENTITY_KEY)
    fresh = grouped.join(kept, on=CLUSTER, how="anti").group_by(CLUSTER).agg(pl.col(RECORD).min().alias("_first")) \
        .sort(CLUSTER)
    minted = fresh.with_columns(new_keys(key, contract_id, fresh.get_column("_first")))
    used = pl.concat([previous.get_column(ENTITY_KEY), kept.get_column(ENTITY_KEY)]).implode()
    taken = pl.col(ENTITY_KEY).is_in(used) | pl.col(ENTITY_KEY).is_duplicated()
    if minted.select(taken.any()).item():  # a key a cluster had before: another, with the run as salt
        salted = new_keys(key, contract_id, fresh.get_column("_first"), salt)
        minted = minted.with_columns(pl.when(taken).then(salted).otherwise(pl.col(ENTITY_KEY)).alias(ENTITY_KEY))
    minted = minted.select(CLUSTER, ENTITY_KEY)
    keys = pl.concat([kept, minted])
    assigned = grouped.join(keys, on=CLUSTER, how="left")
    changes = _changes(held, keys, previous, grouped)
    return assigned, changes


def _changes(held: pl.DataFrame, keys: pl.DataFrame, previous: pl.DataFrame, grouped: pl.DataFrame) -> pl.DataFrame:
    """Merges (an old key not kept, its records in a cluster with another key), splits (an old key kept by one
    cluster, some of its records in another), retirements (an old key with no record left)."""
    moved = held.join(keys.rename({ENTITY_KEY: NEW}), on=CLUSTER).rename({ENTITY_KEY: OLD}) \
        .filter(pl.col(OLD) != pl.col(NEW))
    kept_keys = keys.get_column(ENTITY_KEY).implode()
    labelled = moved.with_columns(pl.when(pl.col(OLD).is_in(kept_keys)).then(pl.lit("split"))
                                  .otherwise(pl.lit("merge")).alias(CHANGE))
    present = previous.join(grouped.select(RECORD), on=RECORD, how="semi").get_column(ENTITY_KEY).unique().implode()
    gone = previous.filter(~pl.col(ENTITY_KEY).is_in(present)).group_by(ENTITY_KEY).agg(pl.len().alias(MOVED))
    retired = gone.select(pl.col(ENTITY_KEY).alias(OLD), pl.lit(None, dtype=pl.String).alias(NEW),
                          pl.lit("retired").alias(CHANGE), pl.col(MOVED).cast(pl.Int64))
    out = pl.concat([labelled.select(OLD, NEW, CHANGE, pl.col(MOVED).cast(pl.Int64)), retired])
    return out.sort(CHANGE, OLD, NEW, nulls_last=True)
