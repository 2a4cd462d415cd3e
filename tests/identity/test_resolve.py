"""Identity resolution on the bundled samples, through the data directory: the private zone, the published
identities and integrated tables, the review queue and stewards' decisions."""

from __future__ import annotations

import stat

import polars as pl
import pytest

from accord.agency import run_agency
from accord.cli.command_identity import summary_line
from accord.errors import AccordError
from accord.identity import decisions
from accord.identity.resolve import resolve
from accord.identity.review import pairs_for_review, record_decision
from accord.identity.vault import vault_key
from accord.intake import store_for
from accord.integrate import integrate
from accord.publish.tables import IDENTITIES, INTEGRATED, KEY_CHANGES, Table

PEOPLE = {"rrn": 12, "nho": 6, "cba": 8, "msa": 4}  # published person records of the samples
LINKED = [["cba/CBA-9008", "rrn/RRN-0010"], ["cba/CBA-9009", "rrn/RRN-0001"], ["msa/MSA-0005", "rrn/RRN-0009"],
          ["nho/NHO-510", "rrn/RRN-0002"]]


@pytest.fixture
def published(mappings, data):
    for mapping in mappings.values():
        run_agency(mapping, data, dataset_rules=False)
    return data


def _identities(dirs, person) -> pl.DataFrame:
    return Table(dirs, person, IDENTITIES).scan().collect().with_columns(
        (pl.col("_agency") + "/" + pl.col("person_id")).alias("record"))


def _linked(frame: pl.DataFrame) -> list[list[str]]:
    groups = frame.group_by("entity_key").agg(pl.col("record").sort()).get_column("record").to_list()
    return sorted(g for g in groups if len(g) > 1)


def test_the_samples_hold_the_same_citizens_at_several_agencies(published, person, pseudonym_key):
    result = integrate(person, published, pseudonym_key)
    identities = _identities(published, person)
    assert identities.height == 28  # rrn's 12 records hold 10 people (two sent again in December)
    assert _linked(identities) == LINKED
    rules = dict(identities.select("record", "match_rule").iter_rows())
    assert [rules[r] for r, _ in LINKED] == ["same_name_and_birth_date", "same_sin", "model",
                                            "same_name_and_birth_date"]
    assert set(identities.columns) == {"_agency", "person_id", "entity_key", "match_probability", "match_rule",
                                       "_resolved_at", "record"}
    integrated = Table(published, person, INTEGRATED).scan().collect()
    assert result.rows == integrated.height == 24 == identities.get_column("entity_key").n_unique()
    assert integrated.get_column("entity_key").is_unique().all()
    several = integrated.filter(pl.col("_agencies").list.len() > 1).sort("person_id")
    assert several.select("person_id", "_agencies").rows() == [  # agency precedence: rrn's record wins
        ("RRN-0001", ["cba", "rrn"]), ("RRN-0002", ["nho", "rrn"]), ("RRN-0009", ["msa", "rrn"]),
        ("RRN-0010", ["cba", "rrn"])]
    stats = resolve(person, published, pseudonym_key).stats  # nothing new: the last resolution's figures
    assert (stats["records"], stats["entities"], stats["records_linked"], stats["pairs_for_review"]) == (28, 24, 8, 1)
    assert summary_line(person.label, stats) == (
        "person v1.0.0 identities: 28 record(s), 24 entities, 8 record(s) linked across or within agencies, "
        "1 pair(s) waiting for review")


def test_clear_identifying_values_stay_in_the_private_zone(published, person, pseudonym_key):
    integrate(person, published, pseudonym_key)
    private = published.root / vault_key(person)
    files = sorted(p for p in private.rglob("*") if p.is_file())
    assert [p.relative_to(private).as_posix() for p in files if "agency=" in p.as_posix()] == [
        f"agency={a}/{p.name}" for a, p in [(f.parent.name[7:], f) for f in files if "agency=" in f.as_posix()]]
    assert {p.parent.name for p in files} == {"agency=cba", "agency=msa", "agency=nho", "agency=rrn", "state"}
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    values = pl.concat([pl.read_parquet(p) for p in files if p.parent.name == "agency=cba"])
    assert "belanger" in values.get_column("family_name").to_list()  # clear, normalised: only here
    assert not any("identity" in p.parts for p in published.published.rglob("*"))


def test_a_stewards_decision_is_recorded_and_honoured(published, person, pseudonym_key):
    integrate(person, published, pseudonym_key)
    [pair] = pairs_for_review(published, person)
    assert (pair.left, pair.right, round(pair.probability, 3)) == ("cba/CBA-9011", "nho/NHO-501", 0.841)
    assert [(r.field, r.left_value, r.right_value, r.level("fr")) for r in pair.rows][:2] == [
        ("given_name_family_name", "john robert | smith", "john robert | smith",
         "(égalité exacte : given_name) ET (égalité exacte : family_name)"),
        ("birth_date", "1971-01-15", "1970-01-15", "distance de Levenshtein ≤ 1")]
    with pytest.raises(AccordError, match=r"no published record cba/CBA-0000 of person v1\.0\.0"):
        record_decision(published, person, "cba/CBA-0000", "nho/NHO-501", "same", "ana")
    before = dict(_identities(published, person).select("record", "entity_key").iter_rows())
    record_decision(published, person, "nho/NHO-501", "cba/CBA-9011", "same", "ana", "same SIN on paper file")
    integrate(person, published, pseudonym_key)
    after = _identities(published, person)
    assert ["cba/CBA-9011", "nho/NHO-501"] in _linked(after)
    keys = dict(after.select("record", "entity_key").iter_rows())
    assert keys["cba/CBA-9011"] == keys["nho/NHO-501"] in (before["cba/CBA-9011"], before["nho/NHO-501"])
    changes = Table(published, person, KEY_CHANGES).scan().collect()
    assert changes.select("change", "records").rows() == [("merge", 1)]
    assert pairs_for_review(published, person) == []
    [recorded] = decisions.history(store_for(published), "person", 1)
    assert (recorded.steward, recorded.record_l, recorded.record_r, recorded.decision, recorded.note) == (
        "ana", "cba\x1fCBA-9011", "nho\x1fNHO-501", "same", "same SIN on paper file")

    # taken back the other way: the same number of decided pairs, and still honoured by the next run
    record_decision(published, person, "cba/CBA-9011", "nho/NHO-501", "different", "ben", "two people after all")
    integrate(person, published, pseudonym_key)
    assert ["cba/CBA-9011", "nho/NHO-501"] not in _linked(_identities(published, person))
    assert [d.decision for d in decisions.history(store_for(published), "person", 1)] == ["same", "different"]


def test_records_without_identifying_values_are_each_their_own_entity_and_said(published, person, pseudonym_key):
    for part in (published.root / vault_key(person)).glob("agency=*/*.parquet"):
        part.unlink()  # as if published before identity resolution
    integrate(person, published, pseudonym_key)
    stats = resolve(person, published, pseudonym_key).stats
    assert (stats["records"], stats["entities"], stats["records_without_identifying_values"]) == (28, 28, 28)
    assert summary_line(person.label, stats).endswith(
        "; 28 record(s) without any identifying value, each its own entity")
    assert Table(published, person, INTEGRATED).scan().collect().height == 28
