"""One linkage of a population: which records are the same entity, and by what evidence.

Evidence, strongest first:

1. a steward's decision (``same`` links the pair; ``different`` removes their direct link whatever scored it);
2. the declaration's deterministic rules: equal normalised values of every field of a rule (at any agencies);
3. the Splink model: pairs of records at two agencies, made by the blocking rules and scored; a pair at or
   above ``matchAt`` is a link, between ``reviewAt`` and ``matchAt`` it waits for a steward.

Entities are the connected components of the links (Splink's clustering). Incremental linkage scores only the
pairs that involve a new or changed record (``predict_between`` the changed and the others, ``predict_within``
the changed) and keeps the scores of the other pairs from the previous run: a month of new records costs in
proportion to the month, not to the population.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from accord.contracts.identity import IdentityDeclaration
from accord.identity.model import AGENCY, RECORD, with_rules
from accord.identity.normalise import rule_columns

LEFT, RIGHT = f"{RECORD}_l", f"{RECORD}_r"
PROBABILITY, RULE = "match_probability", "match_rule"
MODEL, STEWARD = "model", "steward"
CLUSTER = "cluster_id"
DROPPED = ("match_key", "match_weight")  # Splink's columns not kept for review
EDGE_SCHEMA = {LEFT: pl.String, RIGHT: pl.String, PROBABILITY: pl.Float64, RULE: pl.String}


def ordered(edges: pl.DataFrame) -> pl.DataFrame:
    """Each pair with its smaller record id on the left (one form per pair)."""
    low = pl.min_horizontal(LEFT, RIGHT)
    high = pl.max_horizontal(LEFT, RIGHT)
    return edges.with_columns(low.alias(LEFT), high.alias(RIGHT))


def deterministic_edges(population: pl.DataFrame, declaration: IdentityDeclaration) -> pl.DataFrame:
    """For each rule, each record linked to the first record (smallest id) with the same values: a star per
    group of equal values, as many links as records (not every pair). A pair two rules link keeps the first."""
    found = []
    for rule in declaration.rules:
        columns = rule_columns(declaration, rule.fields)
        keyed = population.select(RECORD, *columns).drop_nulls(columns)
        first = keyed.group_by(columns).agg(pl.col(RECORD).min().alias(LEFT), pl.len().alias("_n")) \
            .filter(pl.col("_n") > 1)
        pairs = keyed.join(first, on=columns).filter(pl.col(RECORD) != pl.col(LEFT))
        found.append(pairs.select(LEFT, pl.col(RECORD).alias(RIGHT), pl.lit(1.0).alias(PROBABILITY),
                                  pl.lit(rule.name).alias(RULE)))
    if not found:
        return pl.DataFrame(schema=EDGE_SCHEMA)
    return ordered(pl.concat(found)).unique([LEFT, RIGHT], keep="first", maintain_order=True)


@dataclass
class Engine:
    """A Splink database API and how to hand it a frame: DuckDB, embedded (the default), or Spark, where a
    deployment outgrows one machine (the session is the deployment's: local, a cluster)."""

    db_api: Any
    register: Callable[[pl.DataFrame], Any]
    dialect: str = "duckdb"

    @classmethod
    def duckdb(cls) -> Engine:
        import duckdb
        from splink import DuckDBAPI

        connection = duckdb.connect()
        connection.execute("SET preserve_insertion_order = false")
        api = DuckDBAPI(connection)
        return cls(api, lambda frame: api.register(frame.to_arrow()))

    @classmethod
    def spark(cls, session: Any) -> Engine:
        """On a Spark session started with Splink's similarity functions (``spark_jars()`` in ``spark.jars``)."""
        from splink import SparkAPI

        api = SparkAPI(spark_session=session)
        return cls(api, lambda frame: api.register(session.createDataFrame(frame.to_arrow())), "spark")


def spark_jars() -> str:
    """The jar of Splink's string similarity functions for Spark (Jaro-Winkler, Damerau-Levenshtein)."""
    from splink.backends.spark import similarity_jar_location

    return str(similarity_jar_location())


def model_edges(population: pl.DataFrame, trained: dict[str, Any], declaration: IdentityDeclaration,
                engine: Engine, changed: pl.Series | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The model's scores of the candidate pairs at or above ``reviewAt``: of every pair of records at two
    agencies (``changed`` None), or only of the pairs with a record in ``changed``; and the pairs below
    ``matchAt`` in full (values compared, comparison levels and match weights: what a steward reviews).

    Pairs are made agency against agency (``predict_between``), never within one agency: blocking on a
    common value inside one large agency would make candidate pairs by the billion only to drop them."""
    from splink import Linker

    columns = [RECORD, AGENCY, *dict.fromkeys(c for f in declaration.fields
                                              for c in rule_columns(declaration, (f,)))]
    columns += [c for c in population.columns if c not in columns and c == "name_key"]
    records = population.select(columns)
    none = pl.DataFrame(schema=EDGE_SCHEMA), pl.DataFrame(schema={LEFT: pl.String, RIGHT: pl.String})
    is_new = pl.lit(True) if changed is None else pl.col(RECORD).is_in(changed.implode())
    new = {a: f for (a,), f in records.filter(is_new).partition_by(AGENCY, as_dict=True).items()}
    old = {a: f for (a,), f in records.filter(~is_new).partition_by(AGENCY, as_dict=True).items()}
    agencies = sorted(set(new) | set(old))
    pairs = [(a, b, True) for a in sorted(new) for b in sorted(new) if a < b]  # new against new
    pairs += [(a, b, False) for a in sorted(new) for b in sorted(old) if a != b]  # new against the others
    if len(agencies) < 2 or not pairs:
        return none
    linker = Linker(engine.register(records), with_rules(trained, declaration, engine.dialect),
                    log_level=logging.WARNING)
    for column in tf_columns(trained):  # term frequencies of the whole population
        linker.table_management.compute_tf_table(column)
    tables: dict[tuple[str, bool], Any] = {}

    def table(agency: str, fresh: bool) -> Any:
        if (agency, fresh) not in tables:
            tables[agency, fresh] = engine.register((new if fresh else old)[agency])
        return tables[agency, fresh]

    scored = [linker.inference.predict_between(table(a, True), table(b, both), warning_mode="never",
                                               threshold_match_probability=declaration.review_at)
              for a, b, both in pairs]
    frames = [f for f in (pl.from_arrow(s.as_pyarrow_table()) for s in scored) if isinstance(f, pl.DataFrame)]
    details = pl.concat([f for f in frames if f.height] or frames[:1], how="diagonal_relaxed")
    edges = ordered(details.select(LEFT, RIGHT, pl.col(PROBABILITY).cast(pl.Float64), pl.lit(MODEL).alias(RULE)))
    doubtful = details.filter(pl.col(PROBABILITY) < declaration.match_at)
    return edges, doubtful.select([c for c in doubtful.columns if c not in DROPPED])


def tf_columns(trained: dict[str, Any]) -> list[str]:
    """The columns whose term frequencies the model's levels adjust for."""
    found = [level["tf_adjustment_column"] for comparison in trained.get("comparisons", [])
             for level in comparison.get("comparison_levels", []) if level.get("tf_adjustment_column")]
    return list(dict.fromkeys(found))


def links(deterministic: pl.DataFrame, scored: pl.DataFrame, decisions: pl.DataFrame,
          declaration: IdentityDeclaration) -> pl.DataFrame:
    """The links that make entities: steward ``same`` pairs, rule pairs, model pairs at or above ``matchAt``;
    without any pair a steward said ``different``. One row per pair, the strongest evidence first."""
    same = decisions.filter(pl.col("decision") == "same").select(
        LEFT, RIGHT, pl.lit(1.0).alias(PROBABILITY), pl.lit(STEWARD).alias(RULE))
    different = decisions.filter(pl.col("decision") == "different").select(LEFT, RIGHT)
    matched = scored.filter(pl.col(PROBABILITY) >= declaration.match_at)
    found = pl.concat([same, deterministic, matched]).unique([LEFT, RIGHT], keep="first", maintain_order=True)
    return found.join(different, on=[LEFT, RIGHT], how="anti")


def clusters(population: pl.DataFrame, linked: pl.DataFrame, engine: Engine) -> pl.DataFrame:
    """Each record's cluster (connected components of ``linked``), by Splink's clustering: ``RECORD``,
    ``CLUSTER`` (the smallest record id of the cluster)."""
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    nodes = engine.register(population.select(RECORD))
    edges = engine.register(linked.select(LEFT, RIGHT) if linked.height else
                            pl.DataFrame(schema={LEFT: pl.String, RIGHT: pl.String}))
    result = cluster_pairwise_predictions_at_threshold(nodes, edges, engine.db_api, node_id_column_name=RECORD,
                                                       edge_id_column_name_left=LEFT,
                                                       edge_id_column_name_right=RIGHT)
    found = pl.DataFrame(pl.from_arrow(result.as_pyarrow_table()))
    return found.select(pl.col(RECORD).cast(pl.String), pl.col(CLUSTER).cast(pl.String))


def evidence(population: pl.DataFrame, linked: pl.DataFrame) -> pl.DataFrame:
    """Each record's strongest link into its entity: ``PROBABILITY`` and ``RULE`` (null for a record alone).
    A rule or a steward counts as probability 1; among equals, a steward's, then the first rule's."""
    rank = {STEWARD: 0, MODEL: 2}
    ends = pl.concat([linked.select(pl.col(LEFT).alias(RECORD), PROBABILITY, RULE),
                      linked.select(pl.col(RIGHT).alias(RECORD), PROBABILITY, RULE)])
    best = ends.with_columns(pl.col(RULE).replace_strict(rank, default=1, return_dtype=pl.Int8).alias("_rank")) \
        .sort([RECORD, PROBABILITY, "_rank"], descending=[False, True, False]) \
        .unique(RECORD, keep="first").drop("_rank")
    return population.select(RECORD).join(best, on=RECORD, how="left")


def review_pairs(doubtful: pl.DataFrame, grouped: pl.DataFrame, decisions: pl.DataFrame) -> pl.DataFrame:
    """Pairs the model scored between ``reviewAt`` and ``matchAt`` (``doubtful``, in full), not decided yet and
    not already in one entity by other evidence: the review queue, most likely first."""
    if doubtful.is_empty():
        return doubtful
    pairs = ordered(doubtful.select(LEFT, RIGHT).with_columns(pl.lit(0.0).alias(PROBABILITY),
                                                             pl.lit("").alias(RULE)))
    flipped = doubtful.get_column(LEFT) > doubtful.get_column(RIGHT)
    details = doubtful.with_columns(pairs.get_column(LEFT), pairs.get_column(RIGHT), flipped.alias("_flipped"))
    left = grouped.rename({RECORD: LEFT, CLUSTER: "_cl"})
    right = grouped.rename({RECORD: RIGHT, CLUSTER: "_cr"})
    placed = details.join(left, on=LEFT).join(right, on=RIGHT)
    waiting = placed.filter(pl.col("_cl") != pl.col("_cr")).drop("_cl", "_cr")
    return waiting.join(decisions.select(LEFT, RIGHT), on=[LEFT, RIGHT], how="anti") \
        .unique([LEFT, RIGHT], keep="first").sort([PROBABILITY, LEFT, RIGHT], descending=[True, False, False])
