"""The pages without a browser: what each shows of the signed-in agency, the language switch, a group's pages,
the mapping draft to download."""

from __future__ import annotations

import re

import yaml
from fastapi.testclient import TestClient

from accord.agency import run_agency
from accord.portal.app import create_app
from tests.portal.conftest import sample, sign_in

PAYMENTS = "payments_2026-11.csv"


def test_pages_need_a_session(client):
    for url in ("/", "/submissions", "/mappings", "/contracts", "/checks/ck-" + "0" * 32):
        answer = client.get(url, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/signin"), url


def test_the_language_is_switched_remembered_and_never_an_open_redirect(client, tokens):
    sign_in(client, tokens.cba)
    assert "<h1>Check and send</h1>" in client.get("/").text
    switched = client.get("/lang/fr?next=/submissions", follow_redirects=False)
    assert switched.headers["location"] == "/submissions" and "accord_lang=fr" in switched.headers["set-cookie"]
    assert "<h1>Vérifier et envoyer</h1>" in client.get("/").text
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example"):
        assert client.get(f"/lang/en?next={target}", follow_redirects=False).headers["location"] == "/"


def test_a_french_browser_gets_french_before_any_choice(portal, tokens):
    browser = TestClient(create_app(portal), base_url="http://testserver", headers={"accept-language": "fr-CA,fr"})
    assert "Collez le jeton d&#39;accès" in browser.get("/signin").text


def test_home_offers_the_agency_contracts_and_an_operator_every_agency(client, portal, tokens):
    sign_in(client, tokens.rrn)
    home = client.get("/").text
    assert re.findall(r'<option value="([^"]+)">', home) == ["benefit_payment/v1", "person/v1"] * 2
    assert 'name="agency"' not in home
    assert "File names your mappings read (* stands for any text): <code>paiements_*.csv</code>, " \
           "<code>personnes_*.csv</code></p>" in home
    operator = client.__class__(client.app, base_url="http://testserver")
    sign_in(operator, tokens.operator)
    home = operator.get("/").text
    assert "operator (every agency)" in home
    assert re.findall(r'<select id="check-agency" name="agency" required>(.*?)</select>', home, re.S)[0].count(
        "<option") == len(portal.agencies())


def test_a_group_opens_to_its_rows_page_by_page(client, tokens):
    csrf = sign_in(client, tokens.cba)
    lines = sample("cba", PAYMENTS).decode().splitlines()
    rows = [lines[0]] + [f"PAY-{i},CBA-9001,PEN,10.00,2026-13-{i % 28 + 1:02d},paid" for i in range(250)]
    report = client.post("/checks", data={"csrf": csrf, "contract": "benefit_payment/v1"},
                         files={"file": ("payments_x.csv", "\n".join(rows).encode())})
    assert "<h2 id=\"status-title\">Accepted with rows set aside</h2>" in report.text
    assert "All 250 rows of this group" in report.text
    check_id = re.search(r"/checks/(ck-[0-9a-f]{32})/groups/1\?page=1", report.text).group(1)
    page = client.get(f"/checks/{check_id}/groups/1?page=3").text
    assert "Page 3 of 3" in page and page.count("<tr><td data-label=\"Row\">") == 50
    assert re.findall(r"<tr><td data-label=\"Row\">(\d+)</td>", page)[0] == "202"  # the 201st problem is on row 202
    assert 'href="?page=2">Previous' in page and "Next" not in page
    assert client.get(f"/checks/{check_id}/groups/2").status_code == 404


def test_the_mappings_and_contracts_pages_show_the_agency_own(client, tokens):
    sign_in(client, tokens.cba)
    mappings = client.get("/mappings").text
    assert "<h3>benefit_payment.yaml</h3>" in mappings and "<h3>person.yaml</h3>" in mappings
    assert "payments_*.csv" in mappings and "personnes_*.csv" not in mappings  # not rrn's
    contracts = client.get("/contracts").text
    assert 'href="/contracts/benefit_payment/v1"' in contracts and 'href="/contracts/person/v1"' in contracts
    page = client.get("/contracts/person/v1")
    assert page.status_code == 200 and "person" in page.text and "<table" in page.text


def test_a_mapping_is_drafted_from_a_sample_and_downloaded_as_yaml(client, tokens):
    csrf = sign_in(client, tokens.cba)
    drafted = client.post("/suggestions", data={"csrf": csrf, "contract": "benefit_payment/v1"},
                          files={"file": (PAYMENTS, sample("cba", PAYMENTS))})
    assert drafted.status_code == 200 and "Download the YAML" in drafted.text
    link = re.search(r'href="(/suggestions/cba/sg-[0-9a-f]{24}\.yaml)"', drafted.text).group(1)
    download = client.get(link)
    assert download.headers["content-disposition"] == 'attachment; filename="cba-benefit_payment.yaml"'
    draft = yaml.safe_load(download.text)
    assert (draft["agency"], draft["contract"]) == ("cba", "benefit_payment")
    assert draft["fields"]["payment_id"]["from"] == "payment_ref"
    assert draft["source"]["pattern"] == "payments_*.csv"  # generalised from payments_2026-11.csv


def test_a_drafted_mapping_reads_as_a_page_in_french(client, tokens):
    """Column to field, transformation, confidence, sample values and what to do, in the page's language, and
    the next steps; no raw YAML in sight unless opened."""
    csrf = sign_in(client, tokens.rrn)
    client.get("/lang/fr")
    page = client.post("/suggestions", data={"csrf": csrf, "contract": "person/v1"},
                       files={"file": ("personnes_2026-11.csv", sample("rrn", "personnes_2026-11.csv"))}).text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)).replace("&#39;", "'").replace("&quot;", '"')
    assert "Noms de fichier lus (* remplace tout texte) : personnes_*.csv" in text
    assert "1 champ(s) à revoir avant usage (marqués À FAIRE)." in text
    row = re.search(r'<tr class="todo"><td data-label="Champ du contrat"><code>sex</code>.*?</tr>', page).group(0)
    row_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    assert "SEXE" in row_text and "faible" in row_text
    assert "À FAIRE : aucun code du contrat trouvé pour Z (codes : M, F, X)" in row_text
    birth = re.search(r'<td data-label="Champ du contrat"><code>birth_date</code>.*?</tr>', page).group(0)
    assert "DATE_NAISS" in birth and "élevée" in birth and "03/04/1956" in birth
    assert "11 des 12 valeurs de l'échantillon lues comme %d/%m/%Y" in birth.replace("&#39;", "'")
    assert "Étapes suivantes" in text and "mappings/rrn/person.yaml" in text
    assert "Télécharger le YAML (rrn-person.yaml)" in text
    readable = text.split("Le fichier lui-même (YAML)")[0]  # the YAML itself (English comments) stays folded
    assert "confidence" not in readable and "TODO" not in readable


def test_a_submission_page_groups_its_problems_and_an_operator_history_names_agencies(client, portal, tokens):
    sent = client.post("/api/v1/submissions", headers={"authorization": f"Bearer {tokens.cba}"},
                       files={"file": (PAYMENTS, sample("cba", PAYMENTS))}).json()
    mapping = next(m for m in portal.mapping_set().mappings if m.name == "cba/benefit_payment")
    run_agency(mapping, portal.dirs, dataset_rules=False)
    sign_in(client, tokens.cba)
    page = client.get(f"/submissions/cba-{sent['upload']['sha256'][:16]}").text
    assert '<h2 id="submission-status" data-status="published">Published</h2>' in page
    assert "2 rows were set aside: errors.csv says which and why; the others are published." in page
    assert page.count('<section class="group"') == 2 and "amount must be a number." in page
    assert "paid_on (payment_date) must be a date." in page and "Download every problem (errors.csv)" in page
    operator = client.__class__(client.app, base_url="http://testserver")
    sign_in(operator, tokens.operator)
    history = operator.get("/submissions").text
    assert '<th scope="col">Agency</th>' in history and '<td data-label="Agency">cba</td>' in history


def test_a_sample_that_cannot_be_read_is_said_so_without_server_paths(client, portal, tokens):
    csrf = sign_in(client, tokens.cba)
    answer = client.post("/suggestions", data={"csrf": csrf, "contract": "benefit_payment/v1"},
                         files={"file": ("sample.xlsx", b"PK\x03\x04 not a workbook")})
    assert answer.status_code == 400, answer.text
    assert "<code>unreadable</code> — sample.xlsx: the workbook cannot be read (ZipError:" in answer.text
    assert str(portal.work) not in answer.text and str(portal.dirs.root) not in answer.text


def test_a_refused_file_says_nothing_is_published_in_both_languages(client, portal, tokens):
    """A refused file's rows are not "set aside" with the others published: nothing of it is published."""
    body = "\n".join(["payment_id,person_ref,benefit,amount,paid_on,state", "PAY-1,CBA-9001,PEN,10.00"]) + "\n"
    headless = body.replace("paid_on", "payday").encode()  # a column the mapping reads, renamed
    csrf = sign_in(client, tokens.cba)
    client.get("/lang/fr")
    check = client.post("/checks", data={"csrf": csrf, "contract": "benefit_payment/v1"},
                        files={"file": (PAYMENTS, headless)}).text
    assert "<h2 id=\"status-title\">Refusé</h2>" in check
    assert ("1 lignes lues, 0 publiées — fichier refusé (missing-column) : rien n'en est publié tant qu'un fichier "
            "corrigé n'est pas envoyé") in check.replace("&#39;", "'")
    assert "lignes mises de côté (quarantaine)" not in check

    sent = client.post("/api/v1/submissions", headers={"authorization": f"Bearer {tokens.cba}"},
                       files={"file": ("payments_2026-12.csv", headless)}).json()
    mapping = next(m for m in portal.mapping_set().mappings if m.name == "cba/benefit_payment")
    run_agency(mapping, portal.dirs, dataset_rules=False)
    page = client.get(f"/submissions/cba-{sent['upload']['sha256'][:16]}").text.replace("&#39;", "'")
    assert ("0 publiées — fichier refusé (missing-column) : aucune de ses 1 lignes n'est publiée ; envoyez un "
            "fichier corrigé.") in page
    assert "les autres sont publiées" not in page
    upload = client.get(sent["status_url"].removeprefix("/api/v1")).text.replace("&#39;", "'")
    assert "0 publiées — fichier refusé (missing-column)" in upload and "les autres sont publiées" not in upload
    client.get("/lang/en")
    english = client.get(f"/submissions/cba-{sent['upload']['sha256'][:16]}").text.replace("&#39;", "'")
    assert "0 published — file refused (missing-column): none of its 1 rows is published; send a corrected file." \
        in english


def test_a_french_report_reads_in_french_only(client, tokens):
    """No rule code, dataset rule id or ISO timestamp on a French page; messages and groups name the agency's
    column (the contract's field in parentheses); a pattern says the form in words."""
    csrf = sign_in(client, tokens.rrn)
    client.get("/lang/fr")
    page = client.post("/checks", data={"csrf": csrf}, files={
        "file": ("personnes_2026-11.csv", sample("rrn", "personnes_2026-11.csv"))}).text
    text = re.sub(r"<[^>]+>", " ", page).replace("&#39;", "'").replace("&amp;", "&")
    for code in ("type-error", "unmapped-code", "pattern", "columns_match_contract", "null_percent", "row_count",
                 " and ", " more"):
        assert code not in text, code
    assert re.search(r"\b\d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
                     r"décembre) 20\d\d à \d{1,2} h \d\d UTC", text)
    assert "NAS (sin) · forme inattendue" in re.sub(r"\s+", " ", text)
    assert "NAS (sin) doit avoir la forme attendue : 9 chiffres." in text
    assert "DATE_NAISS (birth_date) · valeur illisible" in re.sub(r"\s+", " ", text)
    assert "SEXE (sex) : le code « Z » n'a pas de correspondance dans le mapping (codes connus : H, F, X)" in text
    assert "les colonnes sont celles du contrat, dans son ordre" in text
