"""``/files/<key>``: the files behind the Dagster UI's links, served to operators and to the agency whose
submission they belong to; nothing outside quarantine/ and reports/; a browser without a session signs in and
comes back to the file."""

from __future__ import annotations

import json
import re
import shutil
from urllib.parse import quote, urlsplit

import pytest
from fastapi.testclient import TestClient

from accord.intake import Intake
from accord.intake.store import PENDING
from accord.links import file_link
from accord.publish.pseudonym import load_key
from accord.submission import recorded_result, result_key, run_submission
from tests.conftest import SAMPLES
from tests.portal.conftest import bearer, csrf_of

RRN, CBA = "rrn-8fb87bd472edd4d9", "cba-2bf7c48e34ffc043"


@pytest.fixture
def processed(portal):
    """rrn's and cba's person extracts, processed (errors.csv, JSON reports, Data Docs pages)."""
    for agency, name in [("rrn", "personnes_2026-11.csv"), ("cba", "people_2026-11.ndjson")]:
        (portal.dirs.landing / agency).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLES / agency / name, portal.dirs.landing / agency / name)
    intake = Intake(portal.dirs, portal.mapping_set().mappings)
    intake.pickup()
    for submission in intake.store.with_status(*PENDING):
        run_submission(submission.submission_id, intake, load_key())
    return {s: recorded_result(portal.dirs, s) for s in (RRN, CBA)}


def _path(portal, uri: str) -> str:
    """The path of ``uri``'s link through the portal."""
    return urlsplit(file_link(portal.dirs.storage, uri, "http://testserver")).path


def test_an_agency_signs_in_and_receives_its_errors_csv(client, portal, tokens, processed):
    errors = processed[RRN].errors_csv
    path = _path(portal, errors)
    assert path == f"/files/quarantine/rrn/person/v1/{quote('8fb87bd472edd4d9-personnes_2026-11.csv.errors.csv')}"
    first = client.get(path, follow_redirects=False)  # a browser with no session: sign in, then back here
    assert (first.status_code, first.headers["location"]) == (303, f"/signin?next={quote(path, safe='')}")
    form = client.get(first.headers["location"])
    assert f'name="next" value="{path}"' in form.text
    signed = client.post("/signin", data={"token": tokens.rrn, "csrf": csrf_of(form.text), "next": path},
                         follow_redirects=False)
    assert (signed.status_code, signed.headers["location"]) == (303, path)
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.content == portal.dirs.storage.read_bytes(portal.dirs.storage.key(errors))
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == 'attachment; filename="errors.csv"'
    assert answer.content.decode().splitlines()[0] == (
        "agency,source_file,source_row,source_column,column,rule,value,detail,message_en,message_fr")
    french = client.get(path, headers={"accept-language": "fr"})  # no language chosen yet: the browser's
    assert french.headers["content-disposition"] == 'attachment; filename="erreurs.csv"'
    assert french.content.startswith(b"\xef\xbb\xbf" + b"organisme;fichier;ligne")


def test_each_agency_opens_its_own_files_and_operators_every_file(client, portal, tokens, processed):
    storage = portal.dirs.storage
    rrn_files = [processed[RRN].errors_csv, storage.uri(result_key(RRN)), processed[RRN].data_docs]
    cba_files = [processed[CBA].errors_csv, storage.uri(result_key(CBA)), processed[CBA].data_docs]
    for token, own, other in [(tokens.rrn, rrn_files, cba_files), (tokens.cba, cba_files, rrn_files)]:
        assert [client.get(_path(portal, uri), headers=bearer(token)).status_code for uri in own] == [200] * 3
        assert [client.get(_path(portal, uri), headers=bearer(token)).status_code for uri in other] == [404] * 3
    operator = bearer(tokens.operator)
    assert [client.get(_path(portal, uri), headers=operator).status_code for uri in rrn_files + cba_files] == [
        200] * 6
    report = client.get(_path(portal, storage.uri(result_key(RRN))), headers=bearer(tokens.rrn))
    assert report.headers["content-type"] == "application/json"
    assert (report.json()["submission_id"], report.json()["rows_in"]) == (RRN, 12)
    assert json.loads(storage.read_text(result_key(RRN))) == report.json()

    # a Data Docs page: sandboxed (no script runs, whatever it shows), its stylesheet open to every agency
    page = client.get(_path(portal, processed[RRN].data_docs), headers=bearer(tokens.rrn))
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"].startswith("sandbox; default-src 'none'")
    assert "<html" in page.text
    style = "/files/reports/data_docs/static/styles/data_docs_default_styles.css"
    assert client.get(style, headers=bearer(tokens.cba)).status_code == 200
    # ... and to the sandboxed page itself, whose requests carry no cookie: no agency data in them
    vendored = "/files/reports/data_docs/static/vendor/bootstrap-4.3.1.min.css"
    assert "static/vendor/bootstrap-4.3.1.min.css" in page.text
    assert not re.findall(r'<(?:link|script)\b[^>]*(?:href|src)="https?://', page.text)
    anonymous = TestClient(client.app)
    assert [anonymous.get(p, follow_redirects=False).status_code for p in (style, vendored)] == [200, 200]
    assert anonymous.get(vendored).headers["content-type"] == "text/css; charset=utf-8"
    assert anonymous.get("/files/reports/data_docs/static/../index.html", follow_redirects=False).status_code != 200
    # the Data Docs index lists every agency's pages: operators only
    index = "/files/reports/data_docs/index.html"
    assert (client.get(index, headers=bearer(tokens.rrn)).status_code,
            client.get(index, headers=operator).status_code) == (404, 200)


@pytest.mark.parametrize("path", [
    "/files/archive/rrn/2026-11-29/personnes_2026-11.csv",  # agency data in clear: never served
    "/files/published/person/v1/_manifest.json",            # consumers read the tables, not the portal
    "/files/.work/portal/signin.key",
    "/files/quarantine/../archive/x.csv",
    "/files/quarantine/rrn/..%2F..%2Farchive%2Fx.csv",
    "/files/quarantine//etc/passwd.csv",
    "/files/reports/submissions/rrn-8fb87bd472edd4d9.py",    # not a type the portal serves
    "/files/quarantine/rrn/person/v1/missing.errors.csv",
])
def test_nothing_else_is_served_even_to_an_operator(client, tokens, processed, path):
    answer = client.get(path, headers=bearer(tokens.operator))
    assert answer.status_code == 404, (path, answer.text[:200])


def test_an_api_caller_with_a_bad_token_is_refused(client, processed):
    answer = client.get("/files/reports/data_docs/index.html", headers=bearer("acc_000000000000_" + "x" * 43))
    assert answer.status_code == 401


def test_links_go_through_the_portal_when_its_address_is_configured(portal, processed, monkeypatch):
    errors = processed[RRN].errors_csv
    assert file_link(portal.dirs.storage, errors) == "file://" + quote(errors)
    monkeypatch.setenv("ACCORD_PORTAL_URL", "https://portal.example/")
    assert file_link(portal.dirs.storage, errors) == (
        "https://portal.example/files/quarantine/rrn/person/v1/8fb87bd472edd4d9-personnes_2026-11.csv.errors.csv")
    assert file_link(portal.dirs.storage, None) is None
    assert file_link(portal.dirs.storage, "/elsewhere/x.csv") == "file:///elsewhere/x.csv"  # not the portal's
