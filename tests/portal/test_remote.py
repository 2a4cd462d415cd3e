"""The portal on a deployment's layout: the data directory on an S3-compatible server, tokens, sessions,
receipts and submission records in PostgreSQL. An upload lands as an object, is processed by the engine, and
its errors.csv is streamed back from the object store."""

from __future__ import annotations

import io

import polars as pl
from fastapi.testclient import TestClient

from accord.agency import run_agency
from accord.portal.app import create_app
from accord.portal.service import Portal
from accord.settings import data_dirs, project_dirs
from tests.conftest import ROOT
from tests.portal.conftest import bearer, sample, sign_in

PAYMENTS = "payments_2026-11.csv"


def test_send_follow_and_download_on_s3_and_postgresql(remote_data, tmp_path, monkeypatch):
    monkeypatch.setenv("ACCORD_WORK_DIR", str(tmp_path / "work"))
    portal = Portal(project_dirs(ROOT), data_dirs(remote_data))
    assert portal.store.url.startswith("postgresql") and remote_data.startswith("s3://")
    token = portal.tokens.create("cba", "deployment")
    client = TestClient(create_app(portal), base_url="https://portal.example")
    sent = client.post("/api/v1/submissions", headers=bearer(token),
                       files={"file": (PAYMENTS, sample("cba", PAYMENTS))})
    assert sent.status_code == 202, sent.text
    assert portal.dirs.storage.read_bytes(f"landing/cba/{PAYMENTS}") == sample("cba", PAYMENTS)
    mapping = next(m for m in portal.mapping_set().mappings if m.name == "cba/benefit_payment")
    run_agency(mapping, portal.dirs, dataset_rules=False)
    upload = client.get(sent.json()["status_url"], headers=bearer(token)).json()
    assert upload["status"] == "published"
    [one] = upload["submissions"]
    csv = client.get(f"/api/v1/submissions/{one['submission_id']}/errors.csv", headers=bearer(token))
    assert csv.status_code == 200 and csv.headers["content-disposition"] == 'attachment; filename="errors.csv"'
    assert pl.read_csv(io.BytesIO(csv.content), infer_schema=False)["source_row"].to_list() == ["6", "9"]
    sign_in(client, token)  # the session lives in PostgreSQL too
    page = client.get(f"/submissions/{one['submission_id']}").text
    assert page.count('<section class="group"') == 2
    # the Dagster UI's link to the same errors.csv: streamed from the object store through /files
    from accord.links import file_link
    from accord.submission import recorded_result

    result = recorded_result(portal.dirs, one["submission_id"])
    assert result.errors_csv.startswith("s3://")
    link = file_link(portal.dirs.storage, result.errors_csv, "https://portal.example")
    through_files = client.get(link.removeprefix("https://portal.example"))
    assert through_files.status_code == 200 and through_files.content == csv.content
    stranger = TestClient(create_app(portal), base_url="https://portal.example")  # no session: rrn's bearer token
    assert stranger.get(link.removeprefix("https://portal.example"),
                        headers=bearer(portal.tokens.create("rrn", "deployment"))).status_code == 404
