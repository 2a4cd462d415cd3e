"""The portal's quotas: checks an hour per agency (counted before the file's bytes are kept), files and bytes a
day for sending (the pickup's quotas), and a bound on the checks running at once (503 with Retry-After)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from accord.intake import Intake
from accord.intake.quotas import Quotas
from accord.portal.app import create_app
from accord.portal.service import Portal
from accord.settings import data_dirs, project_dirs
from tests.conftest import ROOT
from tests.portal.conftest import bearer, sample

PAYMENTS = "payments_2026-11.csv"


def _portal(tmp_path, **quotas: int) -> tuple[Portal, TestClient, str]:
    portal = Portal(project_dirs(ROOT), data_dirs(tmp_path / "data"), quotas=Quotas(**quotas))
    return portal, TestClient(create_app(portal), base_url="http://testserver"), portal.tokens.create("cba")


def _check(client, token):
    return client.post("/api/v1/checks", headers=bearer(token), data={"contract": "benefit_payment/v1"},
                       files={"file": (PAYMENTS, sample("cba", PAYMENTS))})


def test_checks_past_the_hourly_quota_are_refused_before_the_file_is_kept(tmp_path):
    portal, client, token = _portal(tmp_path, checks_per_hour=2)
    assert [_check(client, token).status_code for _ in range(2)] == [200, 200]
    refused = _check(client, token)
    assert (refused.status_code, refused.json()["error"]["reason"]) == (429, "quota")
    assert 3500 < int(refused.headers["retry-after"]) <= 3601
    assert "ACCORD_QUOTA_CHECKS_PER_HOUR" in refused.json()["error"]["message"]
    assert not list(portal.work.rglob(PAYMENTS))  # the refused upload left nothing behind
    other = portal.tokens.create("rrn")  # another agency is not held back
    answer = client.post("/api/v1/checks", headers=bearer(other), data={"contract": "person/v1"},
                         files={"file": ("personnes_2026-11.csv", sample("rrn", "personnes_2026-11.csv"))})
    assert answer.status_code == 200


def test_sending_past_the_daily_quota_is_refused(tmp_path):
    portal, client, token = _portal(tmp_path, files_per_day=1)
    first = client.post("/api/v1/submissions", headers=bearer(token),
                        files={"file": (PAYMENTS, sample("cba", PAYMENTS))})
    assert first.status_code == 202
    Intake(portal.dirs, portal.mapping_set().mappings, quotas=Quotas(files_per_day=1)).pickup("cba")
    second = client.post("/api/v1/submissions", headers=bearer(token),
                         files={"file": ("people_2026-11.ndjson", sample("cba", "people_2026-11.ndjson"))})
    assert (second.status_code, second.json()["error"]["reason"]) == (429, "quota")
    assert not (portal.dirs.landing / "cba" / "people_2026-11.ndjson").exists()


def test_checks_beyond_the_parallel_bound_get_503_with_retry_after(tmp_path):
    portal, client, token = _portal(tmp_path, parallel_checks=1)
    assert portal.running_checks.take()  # one check is running
    try:
        busy = _check(client, token)
        assert (busy.status_code, busy.json()["error"]["reason"], busy.headers["retry-after"]) == (503, "busy", "10")
    finally:
        portal.running_checks.release()
    assert _check(client, token).status_code == 200
    assert not any((portal.work).rglob("upload-*"))
