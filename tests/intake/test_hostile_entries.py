"""The landing zone as an agency could attack it (docs/security.md): names swapped while they are read, hard
links to files accord must never touch, names that break derived names, entries that make accord fail. Each
is handled on its own entry; the others go through."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from accord.intake import Intake
from accord.intake import local_zone as entries
from accord.intake.names import FILE_SYSTEM_NAME_BYTES, MAX_NAME_BYTES
from accord.intake.store import MAX_ATTEMPTS
from accord.submission import run_submission
from accord.summary import write_run_summary
from tests.conftest import SAMPLES

SAMPLE = SAMPLES / "rrn" / "personnes_2026-11.csv"


@pytest.fixture
def intake(data, mappings):
    return Intake(data, list(mappings.values()))


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file the service account can reach and an agency must never touch (the PII key, say)."""
    path = tmp_path / "dev-pii.key"
    path.write_text("0123456789abcdef" * 4)
    path.chmod(0o600)
    return path


def test_a_name_swapped_for_a_link_while_it_is_read_cannot_change_what_is_archived(intake, data, secret,
                                                                                   monkeypatch):
    """The file is hashed and copied from the descriptor opened first: the link never matters."""
    big = SAMPLE.read_bytes() + b"RRN-9999;046454286;X;Y;01/01/1990;F;H2X 1Y4;QC;Anglais\r\n" * 60_000  # 3+ blocks
    landing = data.landing / "rrn" / "personnes_2099-01.csv"
    landing.write_bytes(big)
    original = entries.read_fd

    def swapping(fd: int):
        for number, block in enumerate(original(fd)):
            if number == 1:  # mid-read: the agency swaps the name for a link to another file of the machine
                landing.unlink()
                landing.symlink_to(secret)
            yield block

    monkeypatch.setattr(entries, "read_fd", swapping)
    pickup = intake.pickup()
    swapped = next(s for s in pickup.accepted if s.file_name == "personnes_2099-01.csv")
    archived = swapped.archived
    assert archived.read_bytes() == big and not archived.is_symlink()
    assert swapped.sha256 == hashlib.sha256(archived.read_bytes()).hexdigest() == hashlib.sha256(big).hexdigest()
    assert os.stat(archived).st_nlink == 1 and stat.S_IMODE(os.stat(archived).st_mode) == 0o400
    assert landing.is_symlink()  # the name holds something else now: not removed with the file it held
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and secret.read_text() == "0123456789abcdef" * 4
    monkeypatch.setattr(entries, "read_fd", original)
    [refused] = intake.pickup().refused  # the next pickup sees the link, refuses it and removes it (the link only)
    assert (refused.reason, refused.file_name) == ("symlink", "personnes_2099-01.csv")
    assert not landing.exists() and not landing.is_symlink() and secret.exists()


def test_a_name_swapped_for_a_link_before_it_is_opened_is_refused(intake, data, secret, monkeypatch):
    landing = data.landing / "rrn" / "personnes_2099-01.csv"
    landing.write_bytes(SAMPLE.read_bytes())
    original = entries.LocalLanding.open

    def swap_then_open(self, entry, limit):
        if entry.name == landing.name:
            landing.unlink()
            landing.symlink_to(secret)
        return original(self, entry, limit)

    monkeypatch.setattr(entries.LocalLanding, "open", swap_then_open)
    pickup = intake.pickup()
    [refused] = [s for s in pickup.refused if s.file_name == landing.name]
    assert (refused.reason, refused.detail) == ("symlink", "'personnes_2099-01.csv' is a symbolic link: not followed")
    assert not any(secret.read_bytes() == p.read_bytes() for p in data.archive.rglob("*") if p.is_file())


def test_a_hard_link_is_refused_and_the_other_name_left_as_it_was(intake, data, secret):
    landing = data.landing / "rrn" / "personnes_2099-02.csv"
    os.link(secret, landing)
    pickup = intake.pickup()
    [refused] = [s for s in pickup.refused if s.file_name == landing.name]
    assert refused.reason == "hard-link"
    assert refused.detail == "'personnes_2099-02.csv' has 2 names (a hard link): only a file of its own is accepted"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and secret.stat().st_nlink == 1  # only our name went
    assert not landing.exists() and secret.read_text() == "0123456789abcdef" * 4
    assert not any(p.read_bytes() == secret.read_bytes() for p in data.archive.rglob("*") if p.is_file())
    assert len(pickup.accepted) == 8  # 7 sample files; msa's delivery is one record per target


def test_a_file_still_being_written_waits_for_the_next_pickup(intake, data, monkeypatch):
    landing = data.landing / "rrn" / "personnes_2099-03.csv"
    landing.write_bytes(SAMPLE.read_bytes())
    original = entries.read_fd

    def growing(fd: int):
        yield from original(fd)
        with landing.open("ab") as handle:  # the agency's upload is not finished
            handle.write(b"RRN-0777;046454286;X;Y;01/01/1990;F;H2X 1Y4;QC;Anglais\r\n")

    monkeypatch.setattr(entries, "read_fd", growing)
    pickup = intake.pickup()
    landing_bytes = landing.read_bytes()
    assert "rrn/personnes_2099-03.csv" in pickup.waiting and landing.exists()
    assert not any(s.file_name == landing.name for s in intake.store.all())
    monkeypatch.setattr(entries, "read_fd", original)
    [accepted] = intake.pickup().accepted
    assert accepted.file_name == landing.name
    assert accepted.archived.read_bytes() == landing_bytes


def test_every_name_derived_from_the_longest_accepted_name_fits_the_file_system(intake, data, pseudonym_key):
    longest = "personnes_" + "x" * (MAX_NAME_BYTES - len("personnes_.csv")) + ".csv"
    too_long = "personnes_" + "x" * (MAX_NAME_BYTES + 1 - len("personnes_.csv")) + ".csv"
    assert len(longest.encode()) == MAX_NAME_BYTES and len(too_long.encode()) == MAX_NAME_BYTES + 1
    (data.landing / "rrn" / longest).write_bytes(SAMPLE.read_bytes().replace(b"RRN-", b"LONG-"))
    (data.landing / "rrn" / too_long).write_bytes(b"x")
    pickup = intake.pickup()
    [refused] = pickup.refused
    assert (refused.reason, refused.detail) == ("bad-name", f"file name is 181 bytes, longer than {MAX_NAME_BYTES}")
    submission = next(s for s in pickup.accepted if s.file_name == longest)
    result, _ = run_submission(submission.submission_id, intake, pseudonym_key, dataset_rules=False)
    assert result.status == "processed" and result.rows_quarantined == 3
    errors_csv = Path(result.errors_csv)
    rows = errors_csv.with_name(errors_csv.name.removesuffix(".errors.csv") + ".rows.parquet")
    derived = [submission.archived, errors_csv, rows]
    assert all(p.exists() and len(p.name.encode()) <= FILE_SYSTEM_NAME_BYTES for p in derived)


def test_one_poisoned_entry_beside_five_good_ones(data, mappings, pseudonym_key):
    """Six good files processed (seven submissions: msa's delivery feeds two contracts), one refused, and the
    summary says so (the poison: a name whose archive name would pass 255 bytes, which used to stop every
    pickup of every agency)."""
    (data.landing / "rrn" / "personnes_2026-12.csv").unlink()  # six good files
    (data.landing / "rrn" / ("personnes_" + "y" * 186 + ".csv")).write_bytes(SAMPLE.read_bytes())
    intake = Intake(data, list(mappings.values()))
    pickup = intake.pickup()
    assert (len(pickup.accepted), len(pickup.refused)) == (7, 1)
    for submission in pickup.accepted:
        run_submission(submission.submission_id, intake, pseudonym_key, dataset_rules=False)
    summary = json.loads(Path(write_run_summary(data)).read_text())
    assert summary["submissions_by_status"] == {"processed": 7, "refused": 1}
    assert summary["all_balanced"] is True and summary["unfinished"] == []


def test_an_entry_that_makes_accord_fail_is_recorded_on_that_entry_only(intake, data, monkeypatch):
    original = entries.copy_into

    def failing(fd, identity, temporary, limit):
        if identity.size == (SAMPLES / "rrn" / "paiements_2026-11.csv").stat().st_size:
            raise OSError(28, "No space left on device")
        return original(fd, identity, temporary, limit)

    monkeypatch.setattr(entries, "copy_into", failing)
    pickup = intake.pickup()
    [refused] = pickup.refused
    assert (refused.file_name, refused.reason) == ("paiements_2026-11.csv", "internal-error")
    assert refused.detail == ("accord could not take this entry in (OSError: [Errno 28] No space left on device)")
    assert len(pickup.accepted) == 7
    assert (data.landing / "rrn" / "paiements_2026-11.csv").exists()  # kept where it is, not retried blindly
    assert not list((data.archive / "rrn").rglob(".incoming-*"))
    monkeypatch.setattr(entries, "copy_into", original)
    again = intake.pickup()
    assert not again.accepted and not again.refused  # recorded once; the operator decides


def test_a_source_column_named_like_a_lineage_column_rejects_its_file_not_the_run(intake, data, pseudonym_key):
    text = SAMPLE.read_bytes().decode("cp1252").replace("NO_DOSSIER;", "_source_row;", 1)
    (data.landing / "rrn" / "personnes_2099-04.csv").write_bytes(text.encode("cp1252"))
    pickup = intake.pickup()
    results = {s.file_name: run_submission(s.submission_id, intake, pseudonym_key, dataset_rules=False)[0]
               for s in pickup.accepted}
    poisoned = results.pop("personnes_2099-04.csv")
    assert (poisoned.status, poisoned.rejection_reason) == ("rejected", "reserved-column")
    assert {r.status for r in results.values()} == {"processed"}
    summary = json.loads(Path(write_run_summary(data)).read_text())
    assert summary["submissions_by_status"] == {"processed": 8, "rejected": 1} and summary["all_balanced"] is True


def test_a_submission_accord_cannot_finish_is_failed_and_the_summary_is_not_balanced(intake, data, pseudonym_key,
                                                                                    monkeypatch):
    import accord.submission

    original = accord.submission.stream_extract

    def crashing(file, mapping, *args, **kwargs):
        if mapping.agency == "nho":
            raise RuntimeError("an engine bug")
        return original(file, mapping, *args, **kwargs)

    monkeypatch.setattr(accord.submission, "stream_extract", crashing)
    pickup = intake.pickup()
    results = [run_submission(s.submission_id, intake, pseudonym_key, dataset_rules=False)[0] for s in pickup.accepted]
    failed = [r for r in results if r.status == "failed"]
    assert [(r.agency, r.failure) for r in failed] == [("nho", "internal-error: RuntimeError: an engine bug")]
    assert not failed[0].balanced
    summary = json.loads(Path(write_run_summary(data)).read_text())
    assert summary["all_balanced"] is False
    assert [(u["agency"], u["status"], u["reason"]) for u in summary["unfinished"]] == [
        ("nho", "failed", "internal-error")]
    nho = next(r for r in summary["results"] if r["agency"] == "nho")
    assert (nho["balanced"], nho["failed_files"]) == (False, ["clients_2026-11.xlsx"])


def test_a_submission_whose_runs_keep_dying_is_failed_after_the_last_attempt(intake, data, pseudonym_key):
    submission = intake.pickup().accepted[0]
    for _ in range(MAX_ATTEMPTS):
        intake.store.begin_processing(submission.submission_id)  # each run was killed before it finished
    result, _ = run_submission(submission.submission_id, intake, pseudonym_key, dataset_rules=False)
    assert (result.status, result.failure) == ("failed", "interrupted: 3 runs stopped before finishing (killed, out "
                                                         "of memory?)")
    assert intake.store.get(submission.submission_id).status == "failed"
    assert run_submission(submission.submission_id, intake, pseudonym_key) is None  # final: not taken again


def test_files_with_agency_data_are_owner_only(intake, data, pseudonym_key):
    submission = next(s for s in intake.pickup().accepted if s.file_name == SAMPLE.name)
    result, _ = run_submission(submission.submission_id, intake, pseudonym_key, dataset_rules=False)
    quarantine = Path(result.errors_csv)
    for path in (quarantine, quarantine.with_name(quarantine.name.removesuffix(".errors.csv") + ".rows.parquet")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for folder in (quarantine.parent, data.quarantine, data.archive, data.work, submission.archived.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_a_stewards_group_may_read_them(data, mappings, pseudonym_key, monkeypatch, tmp_path):
    import grp

    group = grp.getgrnam("postgres") if "postgres" in {g.gr_name for g in grp.getgrall()} else grp.getgrall()[1]
    monkeypatch.setenv("ACCORD_STEWARDS_GROUP", group.gr_name)
    shutil.rmtree(data.quarantine)
    shutil.rmtree(data.archive)
    intake = Intake(data, list(mappings.values()))
    submission = next(s for s in intake.pickup().accepted if s.file_name == SAMPLE.name)
    result, _ = run_submission(submission.submission_id, intake, pseudonym_key, dataset_rules=False)
    quarantine = Path(result.errors_csv)
    assert stat.S_IMODE(quarantine.stat().st_mode) == 0o640 and quarantine.stat().st_gid == group.gr_gid
    assert stat.S_IMODE(submission.archived.stat().st_mode) == 0o440
    assert stat.S_IMODE(quarantine.parent.stat().st_mode) == 0o2750 and quarantine.parent.stat().st_gid == group.gr_gid
