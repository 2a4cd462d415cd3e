"""The operators' identity review page: the pair the samples leave undecided, side by side with its waterfall in
both languages; a decision recorded with the operator's name and honoured; agencies never see the page."""

from __future__ import annotations

from accord.agency import run_agency
from accord.contracts import ContractRegistry
from accord.identity.decisions import history
from accord.identity.resolve import resolve
from accord.mapping import load_mappings
from tests.conftest import ROOT, seed_landing
from tests.portal.conftest import sign_in


def _resolved(portal, key) -> None:
    registry = ContractRegistry.load(ROOT / "contracts")
    seed_landing(portal.dirs.landing)
    for mapping in load_mappings(ROOT / "mappings", registry):
        if mapping.contract.id == "person":
            run_agency(mapping, portal.dirs, dataset_rules=False)
    resolve(registry.resolve("person", 1), portal.dirs, key)


def test_an_operator_reviews_a_pair_and_decides(portal, client, tokens, pseudonym_key):
    _resolved(portal, pseudonym_key)
    csrf = sign_in(client, tokens.operator)
    page = client.get("/identity").text
    assert "cba/CBA-9011 ↔ nho/NHO-501 — match probability 0.841" in page
    assert "<td>birth_date</td><td>1971-01-15</td><td>1970-01-15</td><td>Levenshtein distance &lt;= 1</td>" \
           "<td>+3.40</td>" in page
    client.get("/lang/fr")
    french = client.get("/identity").text
    assert "probabilité d&#39;appariement 0.841" in french and "distance de Levenshtein ≤ 1" in french
    done = client.post("/identity/decisions", data={"contract": "person/v1", "left": "cba/CBA-9011",
                                                    "right": "nho/NHO-501", "decision": "same",
                                                    "note": "same SIN on the paper file", "csrf": csrf},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/identity"
    [decision] = history(portal.store, "person", 1)  # by the operator token's label
    assert (decision.decision, decision.note, decision.steward) == ("same", "same SIN on the paper file", "test")
    resolve(ContractRegistry.load(ROOT / "contracts").resolve("person", 1), portal.dirs, pseudonym_key)
    assert "Aucune paire n&#39;attend d&#39;examen." in client.get("/identity").text
    refused = client.post("/identity/decisions", data={"contract": "person/v1", "left": "cba/CBA-0000",
                                                       "right": "nho/NHO-501", "decision": "same", "csrf": csrf})
    assert refused.status_code == 400 and "no published record cba/CBA-0000" in refused.text


def test_an_agency_never_sees_the_review(portal, client, tokens, pseudonym_key):
    _resolved(portal, pseudonym_key)
    csrf = sign_in(client, tokens.rrn)
    assert client.get("/identity").status_code == 404
    assert 'href="/identity"' not in client.get("/").text
    posted = client.post("/identity/decisions", data={"contract": "person/v1", "left": "cba/CBA-9011",
                                                      "right": "nho/NHO-501", "decision": "same", "csrf": csrf})
    assert posted.status_code == 403 and history(portal.store, "person", 1) == []
