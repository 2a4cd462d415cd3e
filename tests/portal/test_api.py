"""The HTTP API end to end on the engine: a check's report and errors.csv, a submission sent, processed by the
same functions the Dagster assets call, and followed to "published"; refusals with the CLI's reason codes."""

from __future__ import annotations

import io

import polars as pl

from accord.agency import run_agency
from accord.contracts import ContractRegistry
from accord.mapping import load_mappings
from tests.conftest import ROOT
from tests.portal.conftest import bearer, sample

PAYMENTS = "payments_2026-11.csv"


def _check(client, token, contract="benefit_payment/v1", name=PAYMENTS, body=None, **fields):
    return client.post("/api/v1/checks", headers=bearer(token), data={"contract": contract, **fields},
                       files={"file": (name, body if body is not None else sample("cba", PAYMENTS), "text/csv")})


def test_a_check_reports_each_problem_with_row_column_value_and_both_languages(client, tokens):
    answer = _check(client, tokens.cba)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    report = body["report"]
    assert (body["status"], report["rows_in"], report["rows_published"], report["rows_quarantined"]) == \
        ("quarantined", 8, 6, 2)
    assert report["rule_counts"] == {"type-error": 2}
    assert [(e["source_row"], e["source_column"], e["column"], e["value"]) for e in report["errors"]] == [
        (6, "paid_on", "payment_date", "2026-13-01"), (9, "amount", "amount", '=HYPERLINK("http://x.invalid")')]
    assert report["errors"][0]["message_fr"] == ("paid_on (payment_date) « 2026-13-01 » ne peut pas être lu comme une "
                                                 "date (attendu sous la forme 2026-12-31)")  # the agency's column
    assert body["summary_fr"] == ("payments_2026-11.csv : 8 lignes, 6 valides, 2 seraient mises en quarantaine "
                                  "(2 problèmes).")
    assert report["file"] == PAYMENTS and report["mapping"] == "cba/benefit_payment.yaml"  # no server path
    csv = client.get(body["errors_csv"], headers=bearer(tokens.cba))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"] == 'attachment; filename="errors.csv"'
    rows = pl.read_csv(io.BytesIO(csv.content), infer_schema=False)
    assert rows["value"].to_list() == ["2026-13-01", """'=HYPERLINK("http://x.invalid")"""]  # neutralised
    # for a French spreadsheet: ';', UTF-8 with BOM, French headers, the same values (still neutralised)
    french = client.get(body["errors_csv"], headers={**bearer(tokens.cba), "accept-language": "fr-CA,fr"})
    assert french.headers["content-disposition"] == 'attachment; filename="erreurs.csv"'
    assert french.content.startswith(b"\xef\xbb\xbf")
    lines = french.content.decode("utf-8-sig").splitlines()
    assert lines[0] == ("organisme;fichier;ligne;colonne du fichier;champ du contrat;règle;valeur;détail;"
                        "message (anglais);message")
    same = pl.read_csv(io.BytesIO(french.content), separator=";", infer_schema=False)
    assert same.rows() == rows.rows() and same["message"].to_list() == rows["message_fr"].to_list()
    again = client.get(f"/api/v1/checks/{body['id']}", headers=bearer(tokens.cba)).json()
    assert again["report"]["errors"] == report["errors"]


def test_a_file_that_cannot_be_read_answers_with_the_reason_code(client, tokens):
    answer = _check(client, tokens.rrn, contract="person/v1", name="personnes_2026-11.csv",
                    body=b"colonne_inconnue\nx\n")
    body = answer.json()
    assert answer.status_code == 422 and body["error"]["reason"] == "missing-column", body
    assert (body["status"], body["report"]["rejection_reason"]) == ("unreadable", "missing-column"), body
    kept = client.get(f"/api/v1/checks/{body['id']}", headers=bearer(tokens.rrn))
    assert kept.status_code == 200 and kept.json()["report"]["rejection_reason"] == "missing-column"


def test_a_check_names_what_is_missing(client, portal, tokens):
    unknown = _check(client, tokens.cba, contract="nothing/v9")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["reason"] == "unknown-contract"
    assert "agency cba has no mapping onto 'nothing/v9' (it has: benefit_payment/v1, person/v1)" in \
        unknown.json()["error"]["message"]
    no_contract = client.post("/api/v1/checks", headers=bearer(tokens.cba), files={"file": ("x.bin", b"a,b\n")})
    assert (no_contract.status_code, no_contract.json()["error"]["reason"]) == (400, "choose-contract")
    assert not any((portal.work / "uploads").iterdir())  # neither refused upload is left behind
    no_file = client.post("/api/v1/checks", headers=bearer(tokens.cba), data={"contract": "person/v1"},
                          files={"other": ("", b"")})
    assert no_file.json()["error"]["reason"] in ("no-file", "bad-name")


def test_a_submission_is_followed_from_waiting_to_published(client, portal, tokens):
    sent = client.post("/api/v1/submissions", headers=bearer(tokens.cba),
                       files={"file": (PAYMENTS, sample("cba", PAYMENTS), "application/octet-stream")})
    assert sent.status_code == 202, sent.text
    status_url = sent.json()["status_url"]
    assert sent.headers["location"] == status_url and sent.json()["upload"]["token_id"] is None
    assert (portal.dirs.landing / "cba" / PAYMENTS).read_bytes() == sample("cba", PAYMENTS)  # accord.intake.submit
    waiting = client.get(status_url, headers=bearer(tokens.cba)).json()
    assert (waiting["status"], waiting["final"], waiting["submissions"]) == ("waiting", False, [])
    # what the landing sensor and the submission runs do
    registry = ContractRegistry.load(ROOT / "contracts")
    mapping = next(m for m in load_mappings(ROOT / "mappings", registry) if m.name == "cba/benefit_payment")
    run_agency(mapping, portal.dirs, dataset_rules=False)
    done = client.get(status_url, headers=bearer(tokens.cba)).json()
    assert (done["status"], done["final"]) == ("published", True)
    [one] = done["submissions"]
    assert (one["rows_in"], one["rows_published"], one["rows_quarantined"], one["has_errors_csv"]) == (8, 6, 2, True)
    assert one["submission_id"] == f"cba-{sent.json()['upload']['sha256'][:16]}"
    assert client.get(f"/api/v1/submissions/{one['submission_id']}", headers=bearer(tokens.cba)).json() == one
    listed = client.get("/api/v1/submissions", headers=bearer(tokens.cba)).json()["submissions"]
    assert [s["submission_id"] for s in listed] == [one["submission_id"]]
    csv = client.get(f"/api/v1/submissions/{one['submission_id']}/errors.csv", headers=bearer(tokens.cba))
    rows = pl.read_csv(io.BytesIO(csv.content), infer_schema=False)
    assert rows.select("source_row", "rule").rows() == [("6", "type-error"), ("9", "type-error")]
    assert rows["value"][1].startswith("'=")
    # the same bytes again: a duplicate, said so (same reason as a file dropped twice in the landing zone)
    client.post("/api/v1/submissions", headers=bearer(tokens.cba), files={"file": (PAYMENTS, sample("cba", PAYMENTS))})
    run_agency(mapping, portal.dirs, dataset_rules=False)
    listed = client.get("/api/v1/submissions", headers=bearer(tokens.cba)).json()["submissions"]
    assert [s["status"] for s in listed] == ["duplicate", "published"]
    latest = client.get("/api/v1/submissions?limit=1", headers=bearer(tokens.cba)).json()["submissions"]
    assert [s["status"] for s in latest] == ["duplicate"]
    assert client.get("/api/v1/submissions?limit=0", headers=bearer(tokens.cba)).json()["error"]["reason"] == \
        "bad-request"


def test_a_file_no_mapping_reads_is_refused_before_it_is_sent(client, portal, tokens):
    refused = client.post("/api/v1/submissions", headers=bearer(tokens.cba), files={"file": ("notes.txt", b"x")})
    assert refused.status_code == 400
    assert refused.json()["error"] == {"status": 400, "reason": "unclaimed", "message":
                                       "no mapping of agency 'cba' matches 'notes.txt' (patterns: payments_*.csv, "
                                       "people_*.ndjson)"}
    assert not (portal.dirs.landing / "cba").exists()
    twice = [client.post("/api/v1/submissions", headers=bearer(tokens.cba), files={"file": (PAYMENTS, body)})
             for body in (b"a\n1\n", b"a\n2\n")]
    assert [t.status_code for t in twice] == [202, 409]
    assert twice[1].json()["error"]["reason"] == "already-waiting"


def test_an_operator_acts_for_a_named_agency_and_sees_them_all(client, tokens):
    unnamed = client.post("/api/v1/submissions", headers=bearer(tokens.operator), files={"file": (PAYMENTS, b"x")})
    assert (unnamed.status_code, unnamed.json()["error"]["reason"]) == (400, "unknown-agency")
    for agency in ("cba", "rrn"):
        name = PAYMENTS if agency == "cba" else "paiements_2026-11.csv"
        sent = client.post("/api/v1/submissions", headers=bearer(tokens.operator), data={"agency": agency},
                           files={"file": (name, sample(agency, name))})
        assert sent.status_code == 202 and sent.json()["upload"]["agency"] == agency


def test_the_openapi_description_lists_every_route(client, tokens):
    spec = client.get("/api/openapi.json").json()
    assert sorted(spec["paths"]) == ["/api/v1/checks", "/api/v1/checks/{check_id}",
                                     "/api/v1/checks/{check_id}/errors.csv", "/api/v1/contract-changes",
                                     "/api/v1/submissions",
                                     "/api/v1/submissions/{submission_id}",
                                     "/api/v1/submissions/{submission_id}/errors.csv", "/api/v1/uploads/{upload_id}"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "<code>/api/v1/submissions/{submission_id}/errors.csv</code>" in docs.text
    assert "<code>/api/v1/contract-changes</code>" in docs.text


def test_the_contract_follows_the_file_name_unless_one_is_chosen(client, tokens):
    rrn = sample("rrn", "personnes_2026-11.csv")
    chosen = client.post("/api/v1/checks", headers=bearer(tokens.rrn),
                         files={"file": ("personnes_2026-11.csv", rrn, "text/csv")})
    assert chosen.status_code == 200, chosen.text
    report = chosen.json()["report"]
    assert (report["contract"], report["rows_in"], report["rows_quarantined"]) == ("person", 12, 3)
    # an explicit choice still wins (here, the wrong one: the file is refused for it, as before)
    explicit = _check(client, tokens.rrn, contract="benefit_payment/v1", name="personnes_2026-11.csv", body=rrn)
    assert (explicit.status_code, explicit.json()["error"]["reason"]) == (422, "missing-column")
    # no mapping reads the name: asked, in the caller's language
    asked = client.post("/api/v1/checks", headers={**bearer(tokens.rrn), "accept-language": "fr"},
                        files={"file": ("extrait.csv", rrn, "text/csv")})
    assert asked.status_code == 400 and asked.json()["error"] == {
        "status": 400, "reason": "choose-contract",
        "message": "aucun mapping de rrn ne lit un fichier nommé extrait.csv (noms lus : paiements_*.csv, "
                   "personnes_*.csv) : choisissez le contrat auquel le comparer"}
    english = client.post("/api/v1/checks", headers=bearer(tokens.rrn),
                          files={"file": ("extrait.csv", rrn, "text/csv")})
    assert english.json()["error"]["message"].startswith("no mapping of rrn reads a file called extrait.csv")


def test_the_workbook_of_a_csv_extract_is_taken_and_a_refused_name_is_said_in_french(client, tokens, tmp_path):
    from tests.readers.test_same_table import workbook

    book = workbook(tmp_path / "personnes_2026-11.xlsx").read_bytes()
    sent = client.post("/api/v1/submissions", headers=bearer(tokens.rrn),
                       files={"file": ("personnes_2026-11.xlsx", book)})
    assert sent.status_code == 202, sent.text  # claimed by personnes_*.csv: the same table, saved as a workbook
    refused = client.post("/api/v1/submissions", headers={**bearer(tokens.rrn), "accept-language": "fr-CA"},
                          files={"file": ("extrait.pdf", b"%PDF-1.7")})
    assert refused.status_code == 400 and refused.json()["error"] == {
        "status": 400, "reason": "unclaimed",
        "message": "aucun mapping de l'organisme rrn ne lit un fichier nommé extrait.pdf (noms lus : paiements_*.csv, "
                   "personnes_*.csv) : renommez le fichier comme l'un de ces noms"}
