"""The portal's security, a test for each promise of docs/portal.md: another agency's ids answer 404 (never
data) on every route, forms need the session's CSRF value, cookies and headers are set as documented, tokens are
compared in constant time, failed sign-ins are rate-limited, revocation is immediate, whatever came from a file is
escaped, uploads are cut at the intake limits while they stream."""

from __future__ import annotations

import asyncio
import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from accord.access import tokens as token_module
from accord.agency import run_agency
from accord.intake import Limits
from accord.portal import uploads
from accord.portal.app import create_app
from accord.portal.connections import MAX_FORM_BYTES, timed_protocol
from accord.portal.problems import PortalError
from accord.portal.security import CSP, FailureLimiter
from accord.portal.service import Portal
from accord.settings import data_dirs, project_dirs
from tests.conftest import ROOT
from tests.portal.conftest import bearer, csrf_of, sample, sign_in

PAYMENTS = "payments_2026-11.csv"


@pytest.fixture
def cba_things(client, portal, tokens):
    """A check, an upload, a processed submission and a mapping draft of agency cba."""
    check = client.post("/api/v1/checks", headers=bearer(tokens.cba), data={"contract": "benefit_payment/v1"},
                        files={"file": (PAYMENTS, sample("cba", PAYMENTS))}).json()["id"]
    sent = client.post("/api/v1/submissions", headers=bearer(tokens.cba),
                       files={"file": (PAYMENTS, sample("cba", PAYMENTS))}).json()
    mapping = next(m for m in portal.mapping_set().mappings if m.name == "cba/benefit_payment")
    run_agency(mapping, portal.dirs, dataset_rules=False)
    submission = f"cba-{sent['upload']['sha256'][:16]}"
    browser = TestClient(create_app(portal), base_url="http://testserver")
    csrf = sign_in(browser, tokens.cba)
    drafted = browser.post("/suggestions", data={"csrf": csrf, "contract": "benefit_payment/v1"},
                           files={"file": (PAYMENTS, sample("cba", PAYMENTS))}, follow_redirects=False)
    assert drafted.status_code == 303, drafted.text
    return {"check": check, "upload": sent["upload"]["upload_id"], "submission": submission,
            "draft": drafted.headers["location"]}


def test_another_agency_gets_404_and_no_data_on_every_route(client, portal, tokens, cba_things):
    ids = cba_things
    api = [f"/api/v1/checks/{ids['check']}", f"/api/v1/checks/{ids['check']}/errors.csv",
           f"/api/v1/uploads/{ids['upload']}", f"/api/v1/submissions/{ids['submission']}",
           f"/api/v1/submissions/{ids['submission']}/errors.csv"]
    for url in api:
        answer = client.get(url, headers=bearer(tokens.rrn))
        assert answer.status_code == 404 and answer.json()["error"]["reason"] == "not-found", url
        assert "HYPERLINK" not in answer.text and "payments_" not in answer.text
        assert client.get(url, headers=bearer(tokens.cba)).status_code == 200, url  # the owner does see it
    assert client.get("/api/v1/submissions", headers=bearer(tokens.rrn)).json() == {"submissions": []}
    assert client.get("/api/v1/submissions?agency=cba", headers=bearer(tokens.rrn)).status_code == 404
    for route in ("/api/v1/checks", "/api/v1/submissions"):
        forged = client.post(route, headers=bearer(tokens.rrn), data={"agency": "cba", "contract": "person/v1"},
                             files={"file": (PAYMENTS, b"x")})
        assert (forged.status_code, forged.json()["error"]["reason"]) == (403, "forbidden"), route
    assert not (portal.dirs.landing / "rrn").exists() and not any((portal.dirs.landing / "cba").iterdir())

    browser = TestClient(create_app(portal), base_url="http://testserver")
    sign_in(browser, tokens.rrn)
    pages = [f"/checks/{ids['check']}", f"/checks/{ids['check']}/groups/1", f"/checks/{ids['check']}/errors.csv",
             f"/uploads/{ids['upload']}", f"/submissions/{ids['submission']}",
             f"/submissions/{ids['submission']}/errors.csv", ids["draft"], ids["draft"] + ".yaml"]
    for url in pages:
        answer = browser.get(url)
        assert answer.status_code == 404 and "not-found" in answer.text, url
        assert "HYPERLINK" not in answer.text and "payments_2026" not in answer.text, url
    assert ids["submission"] not in browser.get("/submissions").text
    assert "payments_*.csv" not in browser.get("/mappings").text  # cba's mapping file is not shown to rrn
    nho = TestClient(create_app(portal), base_url="http://testserver")
    sign_in(nho, portal.tokens.create("nho"))
    assert nho.get("/contracts/benefit_payment/v1").status_code == 404  # nho feeds person only
    assert nho.get("/contracts/person/v1").status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/submissions/..%2F..%2Fetc%2Fpasswd", "/api/v1/checks/..%2Freport.json",
                                 "/api/v1/uploads/up-..", "/api/v1/checks/ck-" + "0" * 32,
                                 "/api/v1/submissions/" + "a" * 5000])
def test_ids_from_the_request_never_reach_the_file_system(client, tokens, url):
    answer = client.get(url, headers=bearer(tokens.cba))
    assert answer.status_code == 404, answer.text


def test_forms_need_the_session_csrf_value(client, portal, tokens):
    other = TestClient(create_app(portal), base_url="http://testserver")
    foreign = sign_in(other, tokens.cba)
    csrf = sign_in(client, tokens.cba)
    assert csrf != foreign
    for value in (None, foreign, ""):
        data = {"contract": "benefit_payment/v1"} | ({"csrf": value} if value is not None else {})
        answer = client.post("/submissions", data=data, files={"file": (PAYMENTS, sample("cba", PAYMENTS))})
        assert answer.status_code == 403 and "csrf" in answer.text
    assert not (portal.dirs.landing / "cba").exists()
    assert not any((portal.work / "uploads").iterdir())  # the refused upload left nothing behind
    assert client.post("/signout", data={"csrf": foreign}).status_code == 403
    no_cookie = TestClient(create_app(portal), base_url="http://testserver")
    signin = no_cookie.post("/signin", data={"token": tokens.cba, "csrf": "made-up"}, follow_redirects=False)
    assert signin.status_code == 403 and "accord_session" not in signin.headers.get("set-cookie", "")


def _cookie(answer, name):
    return next(c for c in answer.headers.get_list("set-cookie") if c.startswith(name + "="))


@pytest.mark.parametrize(("base", "secure"), [("http://testserver", False), ("https://testserver", True)])
def test_the_session_cookie_is_http_only_strict_and_secure_over_https(portal, tokens, base, secure):
    browser = TestClient(create_app(portal), base_url=base)
    form = browser.get("/signin")
    answer = browser.post("/signin", data={"token": tokens.rrn, "csrf": csrf_of(form.text)}, follow_redirects=False)
    cookie = _cookie(answer, "accord_session").lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and ("; secure" in cookie) == secure
    assert ("strict-transport-security" in answer.headers) == secure


def test_every_answer_has_the_security_headers(client, tokens):
    sign_in(client, tokens.rrn)
    for answer in (client.get("/"), client.get("/signin"), client.get("/no/such/page"),
                   client.get("/api/v1/submissions", headers=bearer(tokens.rrn)), client.get("/static/accord.css")):
        assert answer.headers["content-security-policy"] == CSP
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in CSP and "frame-ancestors 'none'" in CSP and "unsafe-inline" not in CSP
    page = client.get("/").text
    assert "<script" not in page and " style=" not in page and " on" + "click" not in page
    contract = client.get("/contracts/person/v1")  # accord's own standalone page: inline styles, still no script
    assert contract.headers["content-security-policy"].startswith("default-src 'none'; style-src 'unsafe-inline'")
    assert "script" not in contract.headers["content-security-policy"]


def test_tokens_are_stored_hashed_and_compared_in_constant_time(portal, tokens, monkeypatch):
    with portal.store.engine.connect() as db:
        stored = db.exec_driver_sql("select token_id, agency, hash from access_tokens").all()
    secret = tokens.rrn.split("_", 2)[2]
    assert all(secret not in str(row) for row in stored)
    calls: list[str] = []
    compare = token_module.hmac.compare_digest
    monkeypatch.setattr(token_module.hmac, "compare_digest", lambda a, b: calls.append("compare") or compare(a, b))
    real_hash = token_module._hash
    monkeypatch.setattr(token_module, "_hash", lambda s, salt: calls.append("scrypt") or real_hash(s, salt))
    unknown_id = "acc_000000000000_" + secret
    for token in (tokens.rrn, tokens.rrn[:-1] + ("A" if tokens.rrn[-1] != "A" else "B"), unknown_id, "junk"):
        calls.clear()
        portal.tokens.verify(token)
        assert calls == ["scrypt", "compare"], token  # the same work whether the id exists or not
    assert portal.tokens.verify(unknown_id) is None and portal.tokens.verify(tokens.rrn).agency == "rrn"


def _fail_sign_in(client, token: str) -> str:
    form = client.get("/signin")
    answer = client.post("/signin", data={"token": token, "csrf": csrf_of(form.text)}, follow_redirects=False)
    return answer.headers["location"]


def test_failed_sign_ins_are_rate_limited_per_address_and_token(client, portal, tokens):
    unknown = "acc_000000000000_" + "x" * 43
    for _ in range(5):
        assert _fail_sign_in(client, unknown) == "/signin?failed=1"
    assert _fail_sign_in(client, unknown).startswith("/signin?wait=")  # the sixth unknown token waits
    assert _fail_sign_in(client, "") .startswith("/signin?wait=")  # so does no token at all
    waiting = client.get(_fail_sign_in(client, unknown))
    assert waiting.status_code == 429 and "try again in" in waiting.text
    sign_in(client, tokens.rrn)  # unknown tokens from this address never lock out a valid one (a NAT, a proxy)
    assert client.get("/api/v1/submissions", headers=bearer(tokens.rrn)).status_code == 200

    # a known token's wrong secrets count under its own id: that token waits, the others do not
    cba_id = tokens.cba.split("_")[1]
    for _ in range(5):
        assert _fail_sign_in(client, f"acc_{cba_id}_" + "y" * 43) == "/signin?failed=1"
    assert _fail_sign_in(client, tokens.cba).startswith("/signin?wait=")  # even the right secret waits
    api = client.get("/api/v1/submissions", headers=bearer(tokens.cba))
    assert (api.status_code, api.json()["error"]["reason"]) == (429, "rate-limited")
    assert client.get("/api/v1/submissions", headers=bearer(tokens.operator)).status_code == 200


def test_bad_bearer_tokens_count_as_failed_sign_ins(client, tokens):
    for _ in range(5):
        assert client.get("/api/v1/submissions", headers=bearer("acc_nope")).status_code == 401
    assert client.get("/api/v1/submissions", headers=bearer("acc_nope")).status_code == 429
    assert client.get("/api/v1/submissions").status_code == 429  # no token at all: the same bucket
    assert client.get("/api/v1/submissions", headers=bearer(tokens.cba)).status_code == 200


def test_the_limiter_evicts_the_oldest_pairs_and_never_forgets_them_all():
    limiter = FailureLimiter(attempts=2, window=300, max_keys=3)
    for _ in range(2):
        limiter.failed("10.0.0.1", "-")
    assert limiter.retry_after("10.0.0.1", "-") > 0
    for address in ("10.0.0.2", "10.0.0.3"):
        limiter.failed(address)
    assert limiter.retry_after("10.0.0.1", "-") > 0  # 3 pairs: nothing evicted, nothing reset
    limiter.failed("10.0.0.1", "-")  # the attacker's pair is the newest again
    for address in ("10.0.0.4", "10.0.0.5"):
        limiter.failed(address)
    assert limiter.retry_after("10.0.0.1", "-") > 0  # still counted: only the oldest pairs were evicted
    assert len(limiter._failures) == 3


def test_a_forged_equal_cookie_and_field_pair_is_refused_at_sign_in(client, portal, tokens):
    client.cookies.set("accord_signin", "abc")
    forged = client.post("/signin", data={"token": tokens.rrn, "csrf": "abc"}, follow_redirects=False)
    assert forged.status_code == 403 and "csrf" in forged.text
    assert "accord_session" not in forged.headers.get("set-cookie", "")
    client.cookies.clear()
    form = client.get("/signin")  # the real form: its field is the server's HMAC of the cookie
    value = csrf_of(form.text)
    assert value != client.cookies["accord_signin"]
    client.cookies.clear()
    client.cookies.set("accord_signin", "another")  # the server's field with another cookie
    assert client.post("/signin", data={"token": tokens.rrn, "csrf": value},
                       follow_redirects=False).status_code == 403
    client.cookies.clear()
    sign_in(client, tokens.rrn)


def test_bodies_without_a_file_are_bounded_before_they_are_read(client, portal, tokens):
    huge = b"x" * (MAX_FORM_BYTES + 1)
    for url in ("/signin", "/signout", "/api/v1/submissions/x"):
        answer = client.post(url, files={"token": ("big.bin", huge)})
        assert (answer.status_code, answer.json()["error"]["reason"]) == (413, "too-large"), url
    # a body that lies about its length (chunked) is cut at the first chunk past the limit
    chunks = iter([b"token=" + b"x" * 8192] * 100)
    answer = client.post("/signin", content=chunks, headers={"content-type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413
    assert not any(portal.work.rglob("*.bin"))
    # each refused sign-in counts as a failed attempt: 2 above, 3 here, then a sixth attempt waits
    for _ in range(3):
        assert client.post("/signin", content=b"x" * (MAX_FORM_BYTES + 1)).status_code == 413
    assert _fail_sign_in(client, "").startswith("/signin?wait=")
    sign_in(client, tokens.rrn)  # the valid token is not locked out by them


def test_a_client_that_never_finishes_its_headers_is_disconnected(portal):
    """A real uvicorn with accord serve's protocol: a connection trickling its headers is closed at the header
    deadline, while a normal request on another connection is answered."""
    import socket
    import threading
    import time

    import uvicorn

    from tests.services import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(portal), host="127.0.0.1", port=port, log_level="warning",
                                           http=timed_protocol(1.0), timeout_keep_alive=5))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
        for sock in slow:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
            sock.settimeout(5)
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", port)) as ok:
            ok.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert b"200 OK" in ok.recv(4096)
        for sock in slow:
            assert sock.recv(4096) == b""  # closed by the server
            sock.close()
        assert 0.5 < time.monotonic() - started < 4
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_revoking_a_token_ends_its_sessions_and_api_calls_at_once(client, portal, tokens):
    sign_in(client, tokens.cba)
    assert client.get("/submissions").status_code == 200
    assert client.get("/api/v1/submissions", headers=bearer(tokens.cba)).status_code == 200
    assert portal.tokens.revoke(tokens.cba.split("_")[1])
    answer = client.get("/submissions", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/signin")
    assert client.get("/api/v1/submissions", headers=bearer(tokens.cba)).status_code == 401


def test_what_comes_from_a_file_is_escaped(client, tokens):
    csrf = sign_in(client, tokens.cba)
    hostile = sample("cba", PAYMENTS).replace(b"2026-13-01", b"<script>alert(1)</script>")
    answer = client.post("/checks", data={"csrf": csrf, "contract": "benefit_payment/v1"},
                         files={"file": ("pay<img src=x onerror=alert(1)>.csv", hostile)})
    assert answer.status_code == 200, answer.text  # followed to the report page
    assert "<script>alert(1)</script>" not in answer.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in answer.text
    assert "<img src=x" not in answer.text and "pay&lt;img src=x onerror=alert(1)&gt;.csv" in answer.text
    check_id = re.search(r"/checks/(ck-[0-9a-f]{32})/errors.csv", answer.text).group(1)
    csv = client.get(f"/checks/{check_id}/errors.csv").text
    assert "'=HYPERLINK" in csv and "\n=HYPERLINK" not in csv and ",=HYPERLINK" not in csv


def test_uploads_stop_at_the_size_limit_while_streaming(tmp_path, portal):
    """The parser reads the body chunk by chunk and stops at the first chunk past the limit: the rest of the
    body is never read, and no partial file is left."""
    read = []

    async def body():
        yield (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"payments_1.csv\"\r\n"
               b"Content-Type: image/png\r\n\r\n")
        for n in range(1000):
            read.append(n)
            yield b"x" * 1024

    with pytest.raises(PortalError) as refused:
        asyncio.run(uploads.receive("multipart/form-data; boundary=b", body(), tmp_path, lambda fields, name: 10_000))
    assert (refused.value.status, refused.value.reason) == (413, "too-large")
    assert len(read) == 10 and not any((tmp_path / "uploads").iterdir())


def test_the_intake_limit_of_the_mapping_format_applies(tmp_path, tokens):
    small = Portal(project_dirs(ROOT), data_dirs(tmp_path / "small"), Limits(max_streamed_file_bytes=300))
    token = small.tokens.create("cba")
    client = TestClient(create_app(small), base_url="http://testserver")
    answer = client.post("/api/v1/submissions", headers=bearer(token), files={"file": (PAYMENTS, b"x" * 301)})
    assert (answer.status_code, answer.json()["error"]["reason"]) == (413, "too-large")
    assert answer.json()["error"]["message"] == ("payments_2026-11.csv: the file is larger than the limit of 300 "
                                                 "bytes for its format")
    assert not (small.dirs.landing / "cba").exists()
    fits = client.post("/api/v1/submissions", headers=bearer(token), files={"file": (PAYMENTS, b"x" * 300)})
    assert fits.status_code == 202
    assert hashlib.sha256(b"x" * 300).hexdigest() == fits.json()["upload"]["sha256"]


@pytest.mark.parametrize(("name", "reason"), [("../../etc/passwd.csv", "bad-name"), (".hidden.csv", "bad-name"),
                                              ("a\u202egnp.csv", "bad-name"), ("people_1.ndjson", "unclaimed")])
def test_file_names_are_judged_by_the_intake_rules(client, portal, tokens, name, reason):
    body = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name.encode() + b"\"\r\n\r\n"
            b"x\r\n--b--\r\n")
    answer = client.post("/api/v1/submissions", headers={**bearer(tokens.rrn),
                                                          "content-type": "multipart/form-data; boundary=b"},
                         content=body)
    assert (answer.status_code, answer.json()["error"]["reason"]) == (400, reason), answer.text
    assert not (portal.dirs.landing / "rrn").exists()
