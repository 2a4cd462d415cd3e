"""One resolution of a population, in memory: records in, an entity key for each record out, with the key
changes, the review queue and the scores to keep for the next run. No storage here (``accord.identity.resolve``
reads and writes); everything is testable on frames.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from accord.contracts.identity import IdentityDeclaration
from accord.identity.decisions import DECISION_SCHEMA
from accord.identity.keys import ENTITY_KEY, assign
from accord.identity.link import (
    CLUSTER,
    EDGE_SCHEMA,
    LEFT,
    RIGHT,
    Engine,
    clusters,
    deterministic_edges,
    evidence,
    links,
    model_edges,
    review_pairs,
)
from accord.identity.model import RECORD
from accord.publish.pseudonym import PseudonymKey


@dataclass
class Resolution:
    assigned: pl.DataFrame  # RECORD, ENTITY_KEY, match_probability, match_rule
    changes: pl.DataFrame  # old_key, new_key, change, records
    review: pl.DataFrame  # pairs waiting for a steward
    scored: pl.DataFrame  # the model's pairs at or above reviewAt, kept for the next run
    stats: dict[str, Any] = field(default_factory=dict)


def changed_records(population: pl.DataFrame, before: pl.DataFrame | None, compared: list[str]) -> pl.Series | None:
    """The records new or different since ``before`` (the population the kept scores were computed on);
    None when there is nothing to compare with (link everything)."""
    if before is None:
        return None
    joined = population.select(RECORD, *compared).join(before.select(RECORD, *compared), on=RECORD, how="left",
                                                       suffix="_before", nulls_equal=True)
    present = pl.col(RECORD).is_in(before.get_column(RECORD).implode())
    same = pl.all_horizontal([pl.col(c).eq_missing(pl.col(f"{c}_before")) for c in compared])
    return joined.filter(~(present & same)).get_column(RECORD)


def resolve_population(population: pl.DataFrame, declaration: IdentityDeclaration, trained: dict[str, Any] | None,
                       engine: Engine, key: PseudonymKey, contract_id: str, *, previous: pl.DataFrame,
                       before: pl.DataFrame | None = None, kept_scores: pl.DataFrame | None = None,
                       kept_review: pl.DataFrame | None = None, decisions: pl.DataFrame | None = None,
                       run: str = "") -> Resolution:
    """Link ``population`` (normalised records: ``RECORD``, ``_agency``, the identifying fields) and key it.

    ``previous``: each record's key from the last run (``RECORD``, ``ENTITY_KEY``; empty the first time).
    ``before`` and ``kept_scores``: the population and the model's scores of the last run; with them only the
    pairs involving a new or changed record are scored. ``trained``: the Splink model (None: rules only)."""
    started = time.perf_counter()
    decisions = decisions if decisions is not None else pl.DataFrame(schema=DECISION_SCHEMA)
    compared = [c for c in population.columns if c not in (RECORD,)]
    changed = changed_records(population, before, compared) if kept_scores is not None else None
    timings = {"changes": time.perf_counter() - started}
    deterministic = deterministic_edges(population, declaration)
    timings["rules"] = time.perf_counter() - started - timings["changes"]
    doubtful = pl.DataFrame(schema={LEFT: pl.String, RIGHT: pl.String})
    touched = pl.lit(False) if changed is None else \
        pl.col(LEFT).is_in(changed.implode()) | pl.col(RIGHT).is_in(changed.implode())
    if trained is None:
        scored = pl.DataFrame(schema=EDGE_SCHEMA)
    else:
        fresh, doubtful = model_edges(population, trained, declaration, engine, changed)
        if changed is not None and kept_scores is not None:
            alive = population.get_column(RECORD).implode()
            kept = kept_scores.filter(~touched & pl.col(LEFT).is_in(alive) & pl.col(RIGHT).is_in(alive))
            scored = pl.concat([kept, fresh.select(kept.columns)])
        else:
            scored = fresh
    timings["model"] = time.perf_counter() - started - sum(timings.values())
    linked = links(deterministic, scored, decisions, declaration)
    grouped = clusters(population, linked, engine)
    timings["clusters"] = time.perf_counter() - started - sum(timings.values())
    assigned, changes = assign(grouped, previous, key, contract_id, run)
    timings["keys"] = time.perf_counter() - started - sum(timings.values())
    best = evidence(population, linked)
    out = assigned.join(best, on=RECORD, how="left").select(RECORD, ENTITY_KEY, "match_probability", "match_rule")
    if kept_review is not None and changed is not None:  # earlier doubtful pairs of unchanged records still count
        doubtful = pl.concat([kept_review.filter(~touched), doubtful], how="diagonal_relaxed")
    review = review_pairs(doubtful, grouped, decisions)
    timings["evidence_and_review"] = time.perf_counter() - started - sum(timings.values())
    sizes = grouped.group_by(CLUSTER).len()
    stats = {
        "records": population.height,
        "entities": sizes.height,
        "records_linked": int(sizes.filter(pl.col("len") > 1).get_column("len").sum() or 0),
        "rule_links": deterministic.height,
        "model_links": int(scored.filter(pl.col("match_probability") >= declaration.match_at).height),
        "pairs_for_review": review.height,
        "records_scored": population.height if changed is None else changed.len(),
        "merges": int(changes.filter(pl.col("change") == "merge").height),
        "splits": int(changes.filter(pl.col("change") == "split").height),
        "seconds": {k: round(v, 2) for k, v in timings.items()},
    }
    return Resolution(out, changes, review, scored, stats)
