"""The portal in a real browser: ``accord serve --daemon`` (the portal and the Dagster daemon whose landing sensor
processes what is sent), driven through Debian's Chromium. An analyst signs in, checks a file with errors and
reads the report in French, downloads errors.csv, sends the file and watches it reach "published", signs out;
another agency opens the first one's submission URL. Screenshots of each step go to tests/e2e/output/; any
console error (a CSP violation among them) fails the test; axe-core checks each page's accessibility."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Page, expect, sync_playwright

from accord.access import TokenStore
from accord.settings import data_dirs
from tests.conftest import ROOT, SAMPLES
from tests.readers.test_same_table import excel_resave, workbook
from tests.services import CHROMIUM, CHROMIUM_FLAGS, answers, dagster_process, free_port, wait_for

OUTPUT = Path(__file__).parent / "output"
SEND_TO_PUBLISHED = 150  # seconds: sensor tick, submission run, publication run
REPORT_SECONDS = 10  # the bound for a 100,000-row file
AXE_IMPACTS = ("serious", "critical")


@pytest.fixture
def served(tmp_path, monkeypatch, dagster_home) -> Iterator[tuple[str, dict[str, str]]]:
    """``accord serve --daemon`` on a fresh data directory; tokens for cba and rrn made beforehand with the CLI's
    store."""
    data = tmp_path / "data"
    monkeypatch.setenv("ACCORD_DATA_DIR", str(data))
    monkeypatch.setenv("ACCORD_PROJECT_DIR", str(ROOT))
    monkeypatch.delenv("ACCORD_DATABASE_URL", raising=False)
    store = TokenStore.of(data_dirs(data).create())
    tokens = {agency: store.create(agency, "e2e") for agency in ("cba", "rrn")}
    port = free_port()
    log = tmp_path / "serve.log"
    with dagster_process(["accord.cli", "serve", "--daemon", "--port", str(port)], log, ROOT) as process:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: answers(f"{url}/healthz"), 60, process, log)
        assert "first operator token" in log.read_text()
        yield url, tokens
    # stopping `accord serve` stops the daemon it started and every process that one started
    wait_for(lambda: _left_running(dagster_home), 60, _Stopped(), log)


class _Stopped:
    def poll(self) -> None:
        return None


def _left_running(dagster_home: Path) -> str | None:
    """The processes still running with this test's Dagster instance, if any."""
    mark = f"DAGSTER_HOME={dagster_home}".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if mark in environ.read_bytes().split(b"\0"):
                found.append(environ.parent.name)
        except OSError:
            continue
    return f"still running: {found}" if found else None


class Browser:
    """One page, its console errors, numbered screenshots and axe checks."""

    def __init__(self, page: Page, name: str) -> None:
        self.page, self.name, self.step = page, name, 0
        self.problems: list[str] = []
        self.expected_404: set[str] = set()  # a page the test opens to be refused
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))

    def _console(self, message: ConsoleMessage) -> None:
        refused = "404" in message.text and message.location.get("url") in self.expected_404
        if message.type == "error" and not refused:
            self.problems.append(f"console {message.type}: {message.text} ({message.location.get('url')})")

    def shot(self, label: str) -> None:
        self.step += 1
        self.page.screenshot(path=OUTPUT / f"{self.name}-{self.step:02d}-{label}.png", full_page=True)

    def accessible(self) -> None:
        found = Axe().run(self.page)
        serious = [v for v in found.response["violations"] if v["impact"] in AXE_IMPACTS]
        assert not serious, [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in serious]

    def sign_in(self, url: str, token: str) -> None:
        self.page.goto(f"{url}/signin")
        self.page.get_by_label(re.compile("Access token|Jeton d'accès")).fill(token)
        self.page.get_by_role("button", name=re.compile("Sign in|Se connecter")).click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(re.compile("Check and send|Vérifier et envoyer"))


@pytest.fixture
def chromium() -> Iterator[object]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make test-deps` installs Debian's chromium"
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def test_an_analyst_checks_sends_and_follows_a_file(served, chromium):
    url, tokens = served
    context = chromium.new_context(accept_downloads=True, locale="en-GB")
    analyst = Browser(context.new_page(), "analyst")
    page = analyst.page
    page.goto(url)
    expect(page).to_have_url(f"{url}/signin")
    analyst.shot("signin")
    analyst.accessible()
    analyst.sign_in(url, tokens["cba"])
    page.get_by_role("link", name="Français").click()  # remembered in a cookie from now on
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier et envoyer")
    analyst.shot("home-fr")
    analyst.accessible()

    check = page.locator("form", has=page.locator("#check-title"))
    check.get_by_label("Contrat").select_option("benefit_payment/v1")
    check.get_by_label("Fichier").set_input_files(SAMPLES / "cba" / "payments_2026-11.csv")
    check.get_by_role("button", name="Vérifier").click()
    expect(page.locator("#status-title")).to_have_text("Accepté avec des lignes mises de côté")
    body = page.locator("main")
    expect(body).to_contain_text("payments_2026-11.csv : 8 lignes, 6 valides, 2 seraient mises en quarantaine")
    expect(page.locator("#group-1-title")).to_contain_text("amount")
    expect(body).to_contain_text("amount doit être un nombre.")
    expect(body).to_contain_text("paid_on (payment_date) doit être une date.")
    expect(body).to_contain_text("Une valeur valide : 2026-12-31")
    analyst.shot("report-fr")
    analyst.accessible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger tous les problèmes (errors.csv)").click()
    assert download.value.suggested_filename == "erreurs.csv"  # for a French spreadsheet: ';', BOM, French headers
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = pl.read_csv(io.BytesIO(data), separator=";", infer_schema=False)
    assert rows.select("ligne", "colonne du fichier", "valeur").rows() == [
        ("6", "paid_on", "2026-13-01"), ("9", "amount", """'=HYPERLINK("http://x.invalid")""")]

    page.get_by_role("link", name="Vérifier et envoyer").click()
    send = page.locator("form", has=page.locator("#send-title"))
    send.get_by_label("Fichier").set_input_files(SAMPLES / "cba" / "payments_2026-11.csv")
    send.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fichier envoyé : payments_2026-11.csv")
    analyst.shot("sent")
    status = page.locator("#upload-status")
    started = time.monotonic()
    expect(status).to_have_attribute("data-status", "published", timeout=SEND_TO_PUBLISHED * 1000)
    print(f"sent to published in the browser: {time.monotonic() - started:.1f} s")
    expect(status).to_have_text("Publié")
    expect(page.locator("table.submissions")).to_contain_text("8 (2 mises de côté)")
    analyst.shot("published")
    analyst.accessible()
    submission_url = page.locator("table.submissions a").first.get_attribute("href")
    assert submission_url and submission_url.startswith("/submissions/cba-")
    page.get_by_role("link", name="Mes envois").click()
    expect(page.locator("table.submissions")).to_contain_text("Publié")
    analyst.shot("history")
    analyst.accessible()
    page.set_viewport_size({"width": 320, "height": 640})  # the history and a submission at 400 % zoom too
    _fits(analyst)
    page.goto(f"{url}{submission_url}")
    _fits(analyst)
    analyst.shot("submission-320")
    page.goto(f"{url}/submissions")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(f"{url}/signin")
    page.goto(f"{url}{submission_url}")
    expect(page).to_have_url(f"{url}/signin")  # signed out: nothing without a session
    analyst.shot("signed-out")

    other = Browser(chromium.new_context(locale="en-GB").new_page(), "other-agency")
    other.sign_in(url, tokens["rrn"])
    other.expected_404.add(f"{url}{submission_url}")
    answer = other.page.goto(f"{url}{submission_url}")
    assert answer is not None and answer.status == 404
    expect(other.page.locator("main")).to_contain_text("not-found")
    expect(other.page.locator("main")).not_to_contain_text("payments_2026-11.csv")
    other.shot("another-agency-404")
    other.accessible()
    assert analyst.problems == [] and other.problems == []


def _fits(browser: Browser, width: int = 320) -> None:
    """Nothing wider than the screen: no horizontal scroll (WCAG 1.4.10, reflow at 400 % zoom)."""
    wide = browser.page.evaluate("document.documentElement.scrollWidth")
    offenders = browser.page.evaluate(f"""[...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > {width})
        .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' '
             + (e.textContent || '').slice(0, 40))""")
    assert wide <= width, f"{browser.page.url}: {wide} px wide on a {width} px screen: {offenders[:8]}"


def test_an_analyst_in_french_on_a_narrow_screen_sends_resaved_files(served, chromium, tmp_path):
    """Issue 27's walk in French at 320 x 640 (400 % zoom): the extract re-saved by Excel and as a workbook is
    read with a note and the contract chosen from the file name, a renamed column is named with the one that
    resembles it; every page reflows and passes axe."""
    url, tokens = served
    context = chromium.new_context(locale="fr-CA", viewport={"width": 320, "height": 640}, accept_downloads=True,
                                   extra_http_headers={"accept-language": "fr-CA,fr"})
    analyst = Browser(context.new_page(), "narrow-fr")
    analyst.sign_in(url, tokens["rrn"])
    page = analyst.page
    _fits(analyst)
    analyst.accessible()
    resaved = excel_resave(tmp_path / "personnes_2026-11.csv")
    (tmp_path / "book").mkdir()
    book = workbook(tmp_path / "book" / "personnes_2026-11.xlsx")
    renamed = tmp_path / "renamed" / "personnes_2026-11.csv"
    renamed.parent.mkdir()
    renamed.write_bytes((SAMPLES / "rrn" / "personnes_2026-11.csv").read_bytes().replace(b"DATE_NAISS;",
                                                                                         b"DATE_NAISSANCE;", 1))
    for label, extract, note in [
        ("resaved", resaved, "enregistré avec des virgules au lieu de points-virgules : lu quand même"),
        ("workbook", book, "enregistré comme un classeur Excel (.xlsx) au lieu de CSV : lu quand même"),
    ]:
        page.get_by_role("link", name="Vérifier et envoyer").click()
        check = page.locator("form", has=page.locator("#check-title"))
        check.get_by_label("Fichier").set_input_files(extract)  # no contract chosen: the name says person/v1
        check.get_by_role("button", name="Vérifier").click()
        expect(page.locator("#status-title")).to_have_text("Accepté avec des lignes mises de côté")
        body = page.locator("main")
        expect(body).to_contain_text(f"{extract.name} : 12 lignes, 9 valides, 3 seraient mises en quarantaine")
        expect(body).to_contain_text(note)
        expect(body).to_contain_text("NAS (sin) doit avoir la forme attendue : 9 chiffres.")
        analyst.shot(f"report-{label}")
        _fits(analyst)
        analyst.accessible()

    page.get_by_role("link", name="Vérifier et envoyer").click()
    check = page.locator("form", has=page.locator("#check-title"))
    check.get_by_label("Fichier").set_input_files(renamed)
    check.get_by_role("button", name="Vérifier").click()
    expect(page.locator("#status-title")).to_have_text("Refusé")
    body = page.locator("main")
    expect(body).to_contain_text("colonnes lues par le mapping absentes : DATE_NAISS (DATE_NAISSANCE?)")
    expect(body).to_contain_text("12 lignes lues, 0 publiées — fichier refusé (missing-column)")
    expect(body).to_contain_text("vouliez-vous dire « DATE_NAISSANCE » ?")
    expect(body).not_to_contain_text("lignes mises de côté (quarantaine)")
    analyst.shot("report-renamed")
    _fits(analyst)
    analyst.accessible()

    page.get_by_role("link", name="Vérifier et envoyer").click()  # a mapping drafted from the sample: a page
    drafting = page.locator("form", has=page.locator("#suggest-title"))
    drafting.get_by_label("Contrat").select_option("person/v1")
    drafting.get_by_label("Fichier").set_input_files(SAMPLES / "rrn" / "personnes_2026-11.csv")
    drafting.get_by_role("button", name="Rédiger le mapping").click()
    expect(page.locator("main")).to_contain_text("Étapes suivantes")
    expect(page.locator("main")).to_contain_text("personnes_*.csv")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Télécharger le YAML")).click()
    assert download.value.suggested_filename == "rrn-person.yaml"
    analyst.shot("draft")
    _fits(analyst)
    analyst.accessible()
    assert analyst.problems == []


def _big_extract(folder: Path, rows: int) -> Path:
    """``rows`` payments of agency cba, one in a hundred with an impossible date."""
    lines = ["payment_ref,client_id,program,amount,paid_on,state"]
    lines += [f"PAY-{i},CBA-{9000 + i % 5000},{('PEN', 'DIS', 'HOU', 'FAM')[i % 4]},{100 + i % 900}.25,"
              f"{'2026-13-01' if i % 100 == 7 else '2026-11-15'},paid" for i in range(rows)]
    path = folder / "payments_2026-12.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_report_on_100000_rows_is_in_the_browser_within_10_seconds(served, chromium, tmp_path):
    url, tokens = served
    extract = _big_extract(tmp_path, 100_000)
    analyst = Browser(chromium.new_context(locale="en-GB").new_page(), "big")
    analyst.sign_in(url, tokens["cba"])
    page = analyst.page
    check = page.locator("form", has=page.locator("#check-title"))
    check.get_by_label("Contract").select_option("benefit_payment/v1")
    check.get_by_label("File").set_input_files(extract)
    started = time.monotonic()
    check.get_by_role("button", name="Check").click()
    expect(page.locator("#status-title")).to_have_text("Accepted with rows set aside", timeout=60_000)
    elapsed = time.monotonic() - started
    print(f"100,000 rows ({extract.stat().st_size} bytes): report in the browser after {elapsed:.2f} s")
    expect(page.locator("main")).to_contain_text("100000 rows, 99000 valid, 1000 would be quarantined")
    expect(page.locator("#group-1-title")).to_contain_text("1000")
    analyst.shot("report-100k")
    page.locator("#group-1 summary").click()
    page.locator("#group-1").get_by_role("link", name="Next").click()
    expect(page.get_by_text("Page 2 of 10")).to_be_visible()
    analyst.shot("group-page-2")
    analyst.accessible()
    assert analyst.problems == []
    assert elapsed < REPORT_SECONDS, f"{elapsed:.1f} s"
