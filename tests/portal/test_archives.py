"""The API's answer to an odd archive: the reason code, never a 500 (the cases: tests/readers/test_archives.py)."""

from __future__ import annotations

import pytest

from tests.portal.conftest import bearer
from tests.readers.test_archives import CASES, CONTRACTS, NAMES


@pytest.mark.parametrize("case", ["delivery-encrypted", "delivery-crc", "xlsx-password"])
def test_the_api_answers_the_code(client, portal, case):
    agency, data, reason = CASES[case]
    token = portal.tokens.create(agency)
    answer = client.post("/api/v1/checks", headers=bearer(token), data={"contract": f"{CONTRACTS[agency]}/v1"},
                         files={"file": (NAMES[agency], data)})
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert (body["error"]["status"], body["error"]["reason"]) == (422, reason)
    assert (body["status"], body["report"]["rejection_reason"]) == ("unreadable", reason)
