"""The landing-zone lifecycle: archive, records, duplicates, and entries that are refused."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from accord.errors import AccordError
from accord.intake import Intake, submit
from tests.conftest import RECEIVED, SAMPLES


@pytest.fixture
def intake(data, mappings):
    return Intake(data, list(mappings.values()))


def test_pickup_archives_read_only_and_records(intake, data):
    pickup = intake.pickup()
    assert len(pickup.accepted) == 8 and not pickup.duplicates and not pickup.refused  # msa's delivery: 2
    assert not list(data.landing.glob("*/*"))
    rrn = next(s for s in pickup.accepted if s.file_name == "personnes_2026-11.csv")
    assert (rrn.agency, rrn.contract, rrn.status, rrn.size) == ("rrn", "person/v1", "received", 861)
    assert rrn.received_at == "2026-11-29T12:00:00+00:00"
    archived = rrn.archived
    assert archived == data.archive / "rrn" / "2026-11-29" / f"{rrn.sha256}-personnes_2026-11.csv"
    assert archived.read_bytes() == (SAMPLES / "rrn" / "personnes_2026-11.csv").read_bytes()
    assert stat.S_IMODE(archived.stat().st_mode) == 0o400  # read-only, owner-only: it holds clear PII
    assert stat.S_IMODE(archived.parent.stat().st_mode) == 0o700
    assert archived.stat().st_mtime == RECEIVED.timestamp()  # the archive keeps the delivery time
    assert intake.store.get(rrn.submission_id) == rrn
    assert rrn.landing_entry is None  # the landing entry is gone, and the record says so


def test_same_bytes_twice_is_a_duplicate(intake, data):
    first = intake.pickup()
    shutil.copyfile(SAMPLES / "nho" / "clients_2026-11.xlsx", data.landing / "nho" / "clients_2026-12.xlsx")
    second = intake.pickup()
    [duplicate] = second.duplicates
    original = next(s for s in first.accepted if s.agency == "nho")
    assert (duplicate.status, duplicate.duplicate_of, duplicate.file_name) == (
        "duplicate", original.submission_id, "clients_2026-12.xlsx")
    assert duplicate.detail == f"same bytes as submission {original.submission_id} (clients_2026-11.xlsx)"
    assert duplicate.archived_path == original.archived_path
    assert not second.accepted and not (data.landing / "nho" / "clients_2026-12.xlsx").exists()
    assert len(list((data.archive / "nho").rglob("*.xlsx"))) == 1  # the copy was not kept twice


def test_traversal_names_are_refused_at_submission(data):
    for name in ("../../etc/passwd.csv", "..", "a/b.csv", "..\\x.csv", ".hidden.csv", "bell\x07.csv", ""):
        with pytest.raises(AccordError):
            submit(data, "rrn", name, b"x")
    with pytest.raises(AccordError) as caught:
        submit(data, "rrn", "../../etc/passwd.csv", b"x")
    assert caught.value.message == (
        "file name '../../etc/passwd.csv' contains a path (/, \\ or ..): path traversal refused")
    with pytest.raises(AccordError, match=r"agency id '\.\./rrn' is not"):
        submit(data, "../rrn", "x.csv", b"x")
    assert not (data.root.parent / "etc").exists()
    path = Path(submit(data, "rrn", "personnes_2027-01.csv", b"NO_DOSSIER\n"))
    assert path == data.landing / "rrn" / "personnes_2027-01.csv" and path.read_bytes() == b"NO_DOSSIER\n"
    with pytest.raises(AccordError, match="already waiting in the landing zone of rrn"):
        submit(data, "rrn", "personnes_2027-01.csv", b"other bytes\n")
    assert path.read_bytes() == b"NO_DOSSIER\n"


def test_submit_streams_within_a_limit_and_never_shows_half_a_file(data):
    import io

    with pytest.raises(AccordError, match="larger than the limit of 1000000 bytes"):
        submit(data, "rrn", "personnes_2027-02.csv", io.BytesIO(b"x" * 3_000_000), limit=1_000_000)
    assert not (data.landing / "rrn" / "personnes_2027-02.csv").exists()
    assert not list((data.work / "uploads").iterdir())  # the partial upload is gone too
    path = Path(submit(data, "rrn", "personnes_2027-02.csv", io.BytesIO(b"a;b\n" * 1000), limit=1_000_000))
    assert path.stat().st_size == 4000


def test_symlinks_are_refused_and_not_followed(intake, data, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("NO_DOSSIER;NAS\nX;123456789\n")
    (data.landing / "rrn" / "personnes_2099-01.csv").symlink_to(secret)
    outside = tmp_path / "outside_agency"
    outside.mkdir()
    (data.landing / "cba_link").symlink_to(outside)
    pickup = intake.pickup()
    refused = {(s.agency, s.file_name): (s.reason, s.detail) for s in pickup.refused}
    assert refused == {
        ("rrn", "personnes_2099-01.csv"): ("symlink", "'personnes_2099-01.csv' is a symbolic link: not followed"),
        ("_", "cba_link"): ("symlink", "landing entry 'cba_link' is a symbolic link: not followed"),
    }
    assert secret.read_text() == "NO_DOSSIER;NAS\nX;123456789\n"  # untouched
    assert not (data.landing / "rrn" / "personnes_2099-01.csv").is_symlink()  # the link itself is removed
    assert not list(data.archive.rglob("*secret*"))
    assert outside.is_dir()


def test_unknown_agencies_stray_files_and_unclaimed_names(intake, data):
    (data.landing / "zzz").mkdir()
    (data.landing / "zzz" / "x.csv").write_text("a\n")
    (data.landing / "Bad-Agency").mkdir()
    (data.landing / "stray.csv").write_text("a\n")
    (data.landing / "rrn" / "notes.txt").write_text("hello")
    (data.landing / "nho" / "personnes_2026-11.csv").write_bytes(  # rrn's file name, in nho's folder
        (SAMPLES / "rrn" / "personnes_2026-11.csv").read_bytes())
    (data.landing / "rrn" / ".partial.csv").write_text("x")
    pickup = intake.pickup()
    refused = sorted((s.agency, s.file_name, s.reason, s.detail) for s in pickup.refused)
    assert refused == [
        ("_", "Bad-Agency", "unknown-agency", "agency id 'Bad-Agency' is not 2-32 lower-case letters, digits or '_'"),
        ("_", "stray.csv", "not-in-agency-folder", "'stray.csv' is not inside an agency folder"),
        ("nho", "personnes_2026-11.csv", "unclaimed",
         "no mapping of agency 'nho' matches 'personnes_2026-11.csv' (patterns: clients_*.xlsx)"),
        ("rrn", ".partial.csv", "bad-name", "file name '.partial.csv' is hidden (starts with '.')"),
        ("rrn", "notes.txt", "unclaimed", "no mapping of agency 'rrn' matches 'notes.txt' (patterns: paiements_*.csv, "
                                          "personnes_*.csv)"),
        ("zzz", "x.csv", "unknown-agency", "no mapping is declared for agency 'zzz'"),
    ]
    assert len(pickup.accepted) == 8
    # each refused file is taken out on its own; folders stay (an agency's folder is never moved)
    assert sorted(p.name for p in data.landing.iterdir()) == ["Bad-Agency", "cba", "msa", "nho", "rrn", "zzz"]
    assert not list(data.landing.glob("*/*"))
    kept = sorted(p.read_bytes() for p in (data.archive / "_refused").rglob("*") if p.is_file())
    assert kept == sorted([b"a\n", b"a\n", b"hello", b"x", (SAMPLES / "rrn" / "personnes_2026-11.csv").read_bytes()])
    again = intake.pickup()  # the empty folder refused in place is not recorded again
    assert not again.refused and not again.accepted


def test_file_size_limit_depends_on_whether_the_format_is_streamed(data, mappings, monkeypatch):
    """Spreadsheets are parsed whole: ACCORD_MAX_FILE_BYTES; delimited text, NDJSON and Parquet are read in
    batches: ACCORD_MAX_STREAMED_FILE_BYTES."""
    monkeypatch.setenv("ACCORD_MAX_FILE_BYTES", "100")
    monkeypatch.setenv("ACCORD_MAX_STREAMED_FILE_BYTES", "300")
    pickup = Intake(data, list(mappings.values())).pickup()
    assert [s.file_name for s in pickup.accepted] == ["personnes_2026-12.csv"]  # 276 bytes
    limits = {s.file_name: s.detail.rsplit(" ", 1)[1] for s in pickup.refused}
    assert limits == {"clients_2026-11.xlsx": "100", "people_2026-11.ndjson": "300", "payments_2026-11.csv": "300",
                      "paiements_2026-11.csv": "300", "personnes_2026-11.csv": "300",
                      "dossiers_2026-11.zip": "300"}  # a delivery of CSV files: the streamed limit
    assert all(s.detail == f"file is {os.path.getsize(SAMPLES / s.agency / s.file_name)} bytes, above the limit "
               f"of {limits[s.file_name]}" and s.reason == "too-large" for s in pickup.refused)


def test_reprocessing_a_submission_is_idempotent(intake, data, pseudonym_key):
    from accord.agency import publish_agency
    from accord.submission import process_submission

    submission = next(s for s in intake.pickup().accepted if s.file_name == "personnes_2026-11.csv")
    mapping = intake.mapping_for(submission)
    first, _ = process_submission(submission, mapping, data, intake.store, pseudonym_key, dataset_rules=False)
    staged = Path(first.staged_file).read_bytes()
    version = publish_agency(mapping.contract, "rrn", data, pseudonym_key)
    second, _ = process_submission(submission, mapping, data, intake.store, pseudonym_key, dataset_rules=False)
    assert second.to_json() == first.to_json()
    assert Path(second.staged_file).read_bytes() == staged
    assert publish_agency(mapping.contract, "rrn", data, pseudonym_key) == version == 0  # nothing new to commit
    assert intake.store.get(submission.submission_id).status == "processed"
