"""Deliveries: msa's sample zip through both of its targets (exact rows, errors, filtered lines), joins, and
hostile zips refused before anything is unpacked."""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal

import polars as pl
import pytest

from accord.errors import ExtractRejected
from accord.intake.limits import Limits
from accord.mapping.joins import join_batch, prepared
from accord.mapping.spec import DeliverySpec, JoinSpec
from accord.process import process_extract
from accord.readers.delivery import open_delivery
from accord.validation import row_schema
from tests.conftest import SAMPLES

DELIVERY = SAMPLES / "msa" / "dossiers_2026-11.zip"


def test_the_sample_delivery_feeds_person(mappings):
    mapping = mappings["msa/person"]
    frames = process_extract(DELIVERY, mapping, row_schema(mapping.contract))
    assert frames.published.select("_source_row", "person_id", "province", "postal_code").rows() == [
        (2, "MSA-0001", "NB", "E1A 1A1"), (3, "MSA-0002", "NS", "B3H 1A1"), (5, "MSA-0004", "NB", "E1C 4M3"),
        (6, "MSA-0005", "QC", None)]
    assert frames.errors.select("_source_row", "column", "rule", "value").rows() == [
        (7, "province", "unmapped-code", "Acadie")]
    assert frames.filtered.rows() == [(4, "draft file, not yet opened")]
    assert (frames.rows_in, frames.rows_published, frames.rows_quarantined, frames.rows_filtered) == (6, 4, 1, 1)


def test_the_sample_delivery_feeds_benefit_payment_joined_filtered_and_exploded(mappings):
    mapping = mappings["msa/benefit_payment"]
    frames = process_extract(DELIVERY, mapping, row_schema(mapping.contract))
    assert frames.published.select("_source_row", "payment_id", "program_code", "amount", "payment_date").rows() == [
        (2, "MSA-0001-2026-11-01", "HOUSING", Decimal("250.00"), dt.date(2026, 11, 1)),
        (2, "MSA-0001-2026-11-15", "HOUSING", Decimal("250.00"), dt.date(2026, 11, 15)),
        (3, "MSA-0002-2026-11-01", "HOUSING", Decimal("100.00"), dt.date(2026, 11, 1))]
    assert frames.errors.select("_source_row", "column", "rule", "value", "detail").rows() == [
        (5, "amount", "type-error", "15=3OO,00", "number"),
        (6, None, "join-unmatched", "MSA-0009", "personnes (DOSSIER = DOSSIER)")]
    assert frames.quarantined["DOSSIER"].to_list() == ["MSA-0004", "MSA-0009"]  # each line once, as sent
    assert frames.filtered.rows() == [(4, "the person's file is a draft"), (7, "no payment this month")]
    assert (frames.rows_in, frames.records_published, frames.rows_published, frames.rows_quarantined,
            frames.rows_filtered) == (6, 2, 3, 2, 2)


def test_a_row_several_rows_match_is_quarantined_not_multiplied():
    join = JoinSpec(file="people", on={"ID": "PID"}, how="left", prefix=None)
    table = prepared(join, pl.DataFrame({"_source_row": [2, 3, 4], "PID": ["A", "B", "B "], "NAME": ["x", "y", "z"]}))
    frame = pl.DataFrame({"_source_row": [2, 3, 4], "ID": ["A", "B", "C"]})
    joined, errors = join_batch(frame, join, table)
    assert joined.select("_source_row", "ID", "people.NAME").rows() == [(2, "A", "x"), (3, "B", "y"), (4, "C", None)]
    assert errors.select("_source_row", "rule", "value").rows() == [(3, "join-ambiguous", "B")]


def _zip(path, members: dict[str, bytes], **kwargs) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, **kwargs) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


SPEC = DeliverySpec.model_validate({"pattern": "*.zip", "files": {
    "people": {"pattern": "people*.csv", "format": "csv"}, "payments": {"pattern": "pay*.csv", "format": "csv"}}})


def test_member_names_never_become_paths(tmp_path):
    archive = tmp_path / "d.zip"
    _zip(archive, {"../../../etc/people.csv": b"a\n1\n", "/abs/payments.csv": b"b\n2\n"})
    members = open_delivery(archive, SPEC, tmp_path / "work", Limits())
    assert {k: p.relative_to(tmp_path).as_posix() for k, p in members.items()} == {
        "people": "work/member-0.csv", "payments": "work/member-1.csv"}
    assert members["people"].read_bytes() == b"a\n1\n" and not (tmp_path.parent / "etc").exists()


@pytest.mark.parametrize(("members", "reason", "message"), [
    ({"people.csv": b"a\n"}, "delivery", "the delivery must hold one file matching 'pay*.csv' (payments), found 0 "
                                         "(it holds: people.csv)"),
    ({"people.csv": b"a\n", "pay1.csv": b"b\n", "x/pay2.csv": b"c\n"}, "delivery",
     "the delivery must hold one file matching 'pay*.csv' (payments), found 2 (it holds: pay1.csv, pay2.csv, "
     "people.csv)"),
    ({"people.csv": b"0" * 5_000_000, "pay.csv": b"b\n"}, "decompression-bomb", "refused as a zip bomb"),
])
def test_deliveries_that_do_not_fit_are_refused_with_the_reason(tmp_path, members, reason, message):
    archive = tmp_path / "d.zip"
    _zip(archive, members)
    with pytest.raises(ExtractRejected) as raised:
        open_delivery(archive, SPEC, tmp_path / "work", Limits())
    assert raised.value.reason == reason and message in raised.value.message
    assert not (tmp_path / "work").exists() or not any((tmp_path / "work").iterdir())


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    fake = tmp_path / "d.zip"
    fake.write_bytes(b"DOSSIER;NOM\n")
    with pytest.raises(ExtractRejected, match="not a zip file"):
        open_delivery(fake, SPEC, tmp_path / "work", Limits())


def test_a_filter_reason_is_inert_in_filtered_csv(tmp_path, registry, pseudonym_key):
    """The reason is the mapping's text, written by the agency: a formula is neutralised like errors.csv's."""
    import shutil

    from accord.agency import run_agency
    from accord.mapping import load_mapping_file
    from accord.settings import data_dirs

    folder = tmp_path / "mappings" / "msa"
    folder.mkdir(parents=True)
    text = (SAMPLES.parents[1] / "mappings" / "msa" / "dossiers.yaml").read_text()
    (folder / "dossiers.yaml").write_text(text.replace('reason: "draft file, not yet opened"',
                                                       'reason: "=HYPERLINK(\\"http://x.invalid\\")"'))
    [person, _] = load_mapping_file(folder / "dossiers.yaml", registry)
    data = data_dirs(tmp_path / "data").create()
    (data.landing / "msa").mkdir(parents=True)
    shutil.copyfile(DELIVERY, data.landing / "msa" / DELIVERY.name)
    run_agency(person, data, key=pseudonym_key, dataset_rules=False)
    [filtered] = data.quarantine.rglob("*.filtered.csv")
    assert filtered.read_text().splitlines() == ["source_row,reason", "4,\"'=HYPERLINK(\"\"http://x.invalid\"\")\""]
