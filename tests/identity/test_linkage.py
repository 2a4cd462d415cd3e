"""Linkage on frames: rules, the Splink model, review, stewards' decisions and keys that stay put."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from accord.identity.decisions import DECISION_SCHEMA
from accord.identity.keys import ENTITY_KEY
from accord.identity.link import LEFT, RIGHT, Engine
from accord.identity.model import AGENCY, RECORD, load_model
from accord.identity.normalise import normalised
from accord.identity.population import resolve_population
from accord.publish.pseudonym import PseudonymKey

KEY = PseudonymKey(b"linkage-test-key-0123456789abcdef0123", "test")
NONE = pl.DataFrame(schema={RECORD: pl.String, ENTITY_KEY: pl.String})
ROWS = [  # agency, id, sin, given, family, birth, postal, sex
    ("rrn", "1", "046454286", "Évelyne", "Bélanger", dt.date(1956, 4, 3), "H2X 1Y4", "F"),
    ("cba", "1", "046-454-286", "EVELYNE", "BELANGER", dt.date(1956, 4, 3), "B0J 2L0", "F"),
    ("rrn", "2", "123456782", "Jean-François", "Tremblay", dt.date(1948, 11, 15), "G1R 2B5", "M"),
    ("nho", "2", None, "Tremblay", "Jean Francois", dt.date(1948, 11, 15), "K7L 3N6", "M"),
    ("rrn", "3", "567890123", "Sylvie", "Morin", dt.date(1990, 3, 14), "E1A 1A1", "X"),
    ("msa", "3", None, "Silvie", "Morin", dt.date(1990, 3, 14), None, "X"),
    ("rrn", "4", None, None, None, None, None, None),
    ("nho", "5", "130692544", "John Robert", "Smith", dt.date(1970, 1, 15), "P3A 1B2", "M"),
    ("cba", "5", None, "John Robert", "Smith", dt.date(1971, 1, 15), "B3K 6R8", "M"),
]


@pytest.fixture
def people(person) -> pl.DataFrame:
    frame = pl.DataFrame(ROWS, schema={AGENCY: pl.String, "person_id": pl.String, "sin": pl.String,
                                       "given_name": pl.String, "family_name": pl.String, "birth_date": pl.Date,
                                       "postal_code": pl.String, "sex": pl.String}, orient="row")
    frame = frame.with_columns((pl.col(AGENCY) + "/" + pl.col("person_id")).alias(RECORD)).drop("person_id")
    return normalised(frame, person, person.identity)


def _resolve(person, people, previous=NONE, decisions=None, **kept):
    return resolve_population(people, person.identity, load_model(person).splink, Engine.duckdb(), KEY, person.id,
                              previous=previous, decisions=decisions, run="run-2", **kept)


def _groups(result) -> list[list[str]]:
    grouped = result.assigned.group_by(ENTITY_KEY).agg(pl.col(RECORD).sort())
    return sorted(grouped.get_column(RECORD).to_list())


def _evidence(result) -> dict[str, tuple[float | None, str | None]]:
    return {r: (None if p is None else round(p, 3), rule) for r, p, rule in
            result.assigned.select(RECORD, "match_probability", "match_rule").iter_rows()}


def test_normalisation_removes_accents_case_separators_and_orders_names(people):
    rows = {r[RECORD]: r for r in people.iter_rows(named=True)}
    assert rows["cba/1"]["sin"] == "046454286"
    assert (rows["cba/1"]["given_name"], rows["cba/1"]["family_name"]) == ("evelyne", "belanger")
    assert rows["rrn/2"]["name_key"] == rows["nho/2"]["name_key"] == "francois jean tremblay"
    assert rows["rrn/4"]["name_key"] is None


def test_rules_then_model_then_review(person, people):
    result = _resolve(person, people)
    assert _groups(result) == [["cba/1", "rrn/1"], ["cba/5"], ["msa/3", "rrn/3"], ["nho/2", "rrn/2"], ["nho/5"],
                               ["rrn/4"]]
    evidence = _evidence(result)
    assert evidence["cba/1"] == evidence["rrn/1"] == (1.0, "same_sin")
    assert evidence["nho/2"] == (1.0, "same_name_and_birth_date")  # names swapped, accents lost
    assert evidence["msa/3"][1] == "model" and evidence["msa/3"][0] >= 0.99
    assert evidence["rrn/4"] == evidence["nho/5"] == (None, None)
    review = result.review.select(LEFT, RIGHT, pl.col("match_probability").round(3)).rows()
    assert review == [("cba/5", "nho/5", 0.841)]
    assert result.stats | {"seconds": None} == {
        "records": 9, "entities": 6, "records_linked": 6, "rule_links": 2, "model_links": 3, "pairs_for_review": 1,
        "records_scored": 9, "merges": 0, "splits": 0, "seconds": None}
    assert result.changes.is_empty()


def test_keys_stay_put_and_decisions_merge_and_split_them(person, people):
    first = _resolve(person, people)
    keys = dict(first.assigned.select(RECORD, ENTITY_KEY).iter_rows())
    assert len(set(keys.values())) == 6 and all(len(k) == 22 for k in keys.values())
    again = _resolve(person, people, previous=first.assigned.select(RECORD, ENTITY_KEY))
    assert dict(again.assigned.select(RECORD, ENTITY_KEY).iter_rows()) == keys
    assert again.changes.is_empty()

    decided = pl.DataFrame([("cba/5", "nho/5", "same"), ("msa/3", "rrn/3", "different")], schema=DECISION_SCHEMA,
                           orient="row")
    after = _resolve(person, people, previous=first.assigned.select(RECORD, ENTITY_KEY), decisions=decided)
    assert _groups(after) == [["cba/1", "rrn/1"], ["cba/5", "nho/5"], ["msa/3"], ["nho/2", "rrn/2"], ["rrn/3"],
                              ["rrn/4"]]
    now = dict(after.assigned.select(RECORD, ENTITY_KEY).iter_rows())
    assert _evidence(after)["cba/5"] == (1.0, "steward")
    assert after.review.is_empty()
    for unchanged in ("rrn/1", "cba/1", "rrn/2", "nho/2", "rrn/4"):
        assert now[unchanged] == keys[unchanged]
    # the merge keeps the key of one of the two; the split leaves the old key with one side, a new key the other
    assert now["cba/5"] == now["nho/5"] in (keys["cba/5"], keys["nho/5"])
    kept = "msa/3" if now["msa/3"] == keys["msa/3"] else "rrn/3"
    split_off = "rrn/3" if kept == "msa/3" else "msa/3"
    assert now[split_off] not in keys.values()
    merged_away = keys["nho/5"] if now["cba/5"] == keys["cba/5"] else keys["cba/5"]
    assert sorted(after.changes.rows()) == sorted([
        (merged_away, now["cba/5"], "merge", 1), (keys["msa/3"], now[split_off], "split", 1)])


def test_incremental_linkage_scores_only_new_records_and_finds_the_same_entities(person, people):
    month_one = people.filter(pl.col(RECORD) != "msa/3")
    first = _resolve(person, month_one)
    grown = _resolve(person, people, previous=first.assigned.select(RECORD, ENTITY_KEY), before=month_one,
                     kept_scores=first.scored, kept_review=first.review)
    assert grown.stats["records_scored"] == 1
    assert _groups(grown) == _groups(_resolve(person, people))
    old = dict(first.assigned.select(RECORD, ENTITY_KEY).iter_rows())
    new = dict(grown.assigned.select(RECORD, ENTITY_KEY).iter_rows())
    assert all(new[r] == old[r] for r in old) and new["msa/3"] == old["rrn/3"]
    assert grown.review.select(LEFT, RIGHT).rows() == [("cba/5", "nho/5")]
