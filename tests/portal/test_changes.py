"""Contract changes in the portal: an operator measures person 2.0.0 from the page; each agency then sees its own
impact and the deadline (page, in French too, and API); only operators measure, read the whole report and the
audit trail."""

from __future__ import annotations

from accord.agency import run_agency
from accord.contracts import ContractRegistry
from accord.mapping import load_mappings
from tests.conftest import ROOT
from tests.portal.conftest import bearer, sign_in


def _archive_samples(portal) -> None:
    registry = ContractRegistry.load(ROOT / "contracts")
    from tests.conftest import seed_landing

    seed_landing(portal.dirs.landing)
    for mapping in load_mappings(ROOT / "mappings", registry):
        if mapping.contract.id == "person" and mapping.agency in ("rrn", "cba"):
            run_agency(mapping, portal.dirs, dataset_rules=False)


def test_an_operator_measures_a_proposal_and_each_agency_sees_its_own_impact(portal, client, tokens):
    _archive_samples(portal)
    before = client.get("/api/v1/contract-changes", headers=bearer(tokens.rrn)).json()
    assert [(c["contract"], c["version"], c["status"], c["feeds"], c["measured"]) for c in before["changes"]] == [
        ("person", "2.0.0", "proposed", "1.0.0", False)]
    assert before["changes"][0]["changes"] == ["sex renamed to gender", "updated_at added, required",
                                               "preferred_language: optional -> required"]
    csrf = sign_in(client, tokens.operator)
    page = client.get("/changes").text
    assert '<option value="person/2.0.0">person 2.0.0</option>' in page
    measured = client.post("/changes/measure", data={"contract": "person/2.0.0", "csrf": csrf},
                           follow_redirects=False)
    assert measured.status_code == 303 and measured.headers["location"] == "/changes"
    whole = client.get("/changes/person/2.0.0/impact.fr.html")
    assert whole.status_code == 200 and "Impact de person 2.0.0" in whole.text
    assert whole.headers["content-security-policy"].startswith("sandbox")

    rrn = client.get("/api/v1/contract-changes", headers=bearer(tokens.rrn)).json()
    [change] = rrn["changes"]
    assert change["measured"] is True and change["deadline"] is None and rrn["events"] == []
    assert {k: change["impact"][k] for k in ("agency", "impacted", "to_quarantine", "published", "renamed")} == {
        "agency": "rrn", "impacted": True, "to_quarantine": 3, "published": 3, "renamed": {"sex": "gender"}}
    assert (change["unfilled"], change["examples"], change["migrated"]) == (
        ["updated_at"], {"updated_at": "2026-11-01T09:30:00-05:00"}, False)
    cba = client.get("/api/v1/contract-changes", headers=bearer(tokens.cba)).json()
    assert [(c["impact"]["agency"], c["impact"]["to_quarantine"]) for c in cba["changes"]] == [("cba", 8)]
    operator = client.get("/api/v1/contract-changes", headers=bearer(tokens.operator)).json()
    assert sorted(c["impact"]["agency"] for c in operator["changes"]) == ["cba", "msa", "nho", "rrn"]
    assert [(e["action"], e["contract"], e["version"]) for e in operator["events"]] == [
        ("proposed", "person", "2.0.0")]
    assert operator["events"][0]["actor"] != "" and operator["events"][0]["actor"] != tokens.operator  # the id


def test_an_agency_reads_its_part_in_french_and_cannot_measure(portal, client, tokens):
    _archive_samples(portal)
    operator_csrf = sign_in(client, tokens.operator)
    client.post("/changes/measure", data={"contract": "person/2.0.0", "csrf": operator_csrf})
    client.cookies.clear()
    csrf = sign_in(client, tokens.rrn)
    client.get("/lang/fr")
    page = client.get("/changes").text
    assert "Changements à venir des contrats que vous alimentez" in page
    assert "3 de vos 3 enregistrements publiés de votre dernier fichier passeraient en quarantaine." in page
    assert ("Ajoutez à votre fichier une colonne pour updated_at (par exemple 2026-11-01T09:30:00-05:00) et "
            "associez-la dans votre mapping.") in page
    assert "sex est renommé gender; updated_at est ajouté, obligatoire; preferred_language devient obligatoire" in page
    assert "renamed to" not in page and "added, required" not in page  # no English left on the French page
    assert "Journal d'audit" not in page and "/changes/measure" not in page
    refused = client.post("/changes/measure", data={"contract": "person/2.0.0", "csrf": csrf})
    assert refused.status_code == 403
    assert client.get("/changes/person/2.0.0/impact.html").status_code == 404
    assert client.post("/changes/measure", data={"contract": "../../etc/passwd", "csrf": csrf}).status_code == 403
