"""Quotas per agency at pickup: files and bytes a day; a file past them is refused with the reason ``quota`` and no
evidence copy (keeping one would spend the volume the quota bounds); other agencies are not touched."""

from __future__ import annotations

from accord.intake import Intake
from accord.intake.quotas import HourlyCounter, Quotas


def _pickup(data, mappings, quotas: Quotas):
    return Intake(data, list(mappings.values()), quotas=quotas).pickup()


def test_files_past_the_daily_quota_are_refused_with_the_reason(data, mappings):
    pickup = _pickup(data, mappings, Quotas(files_per_day=2))
    rrn = sorted((r.file_name, r.status, r.reason) for r in pickup.accepted + pickup.refused if r.agency == "rrn")
    # rrn sends three files; msa's one zip feeds two contracts and counts once
    assert [status for _, status, _ in rrn].count("received") == 2
    [(name, _, reason)] = [r for r in rrn if r[1] == "refused"]
    assert reason == "quota" and name.endswith(".csv")
    [refused] = [r for r in pickup.refused if r.agency == "rrn"]
    assert refused.archived_path is None and "its quota for a day (ACCORD_QUOTA_FILES_PER_DAY)" in refused.detail
    assert not (data.archive / "_refused").exists()
    assert not (data.landing / "rrn" / name).exists()  # refused, not left to refill the landing zone
    msa = [r for r in pickup.accepted if r.agency == "msa"]
    assert len(msa) == 2 and {r.status for r in msa} == {"received"}


def test_bytes_past_the_daily_quota_are_refused(data, mappings):
    sizes = {p.name: p.stat().st_size for p in (data.landing / "cba").iterdir()}
    pickup = _pickup(data, mappings, Quotas(bytes_per_day=min(sizes.values())))
    cba = {r.file_name: (r.status, r.reason) for r in pickup.accepted + pickup.refused if r.agency == "cba"}
    assert sorted(status for status, _ in cba.values()) == ["received", "refused"]
    refused = next(r for r in pickup.refused if r.agency == "cba")
    assert refused.reason == "quota" and "ACCORD_QUOTA_BYTES_PER_DAY" in refused.detail


def test_the_hourly_counter_counts_per_key_and_says_when_to_retry():
    counter = HourlyCounter(limit=2, window=3600)
    assert [counter.take("rrn"), counter.take("rrn")] == [0, 0]
    wait = counter.take("rrn")
    assert 3590 <= wait <= 3601
    assert counter.take("cba") == 0
