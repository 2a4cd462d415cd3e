"""A portal on the repo's contracts and mappings and a fresh data directory, a client, and tokens for two
agencies and an operator."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accord.access import OPERATOR
from accord.portal.app import create_app
from accord.portal.service import Portal
from accord.settings import data_dirs, project_dirs
from tests.conftest import ROOT, SAMPLES

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Tokens:
    rrn: str
    cba: str
    operator: str


@pytest.fixture
def portal(tmp_path: Path) -> Portal:
    return Portal(project_dirs(ROOT), data_dirs(tmp_path / "data"))


@pytest.fixture
def tokens(portal: Portal) -> Tokens:
    return Tokens(portal.tokens.create("rrn", "test"), portal.tokens.create("cba", "test"),
                  portal.tokens.create(OPERATOR, "test"))


@pytest.fixture
def client(portal: Portal) -> TestClient:
    return TestClient(create_app(portal), base_url="http://testserver")


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html[:500]
    return found.group(1)


def sign_in(client: TestClient, token: str) -> str:
    """Sign the client in with ``token``; the session's CSRF value."""
    form = client.get("/signin")
    answer = client.post("/signin", data={"token": token, "csrf": csrf_of(form.text)}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/", answer.text
    return csrf_of(client.get("/").text)


def sample(agency: str, name: str) -> bytes:
    return (SAMPLES / agency / name).read_bytes()
