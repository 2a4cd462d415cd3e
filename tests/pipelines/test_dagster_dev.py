"""``make dev`` beside ``make serve`` for real: ``dagster dev`` (webserver, daemon, code server) on a free port
with the repo's instance configuration and a fresh data directory, and the portal (``accord serve``) on another,
its address in ``$ACCORD_PORTAL_URL``. Files dropped into landing while they run are processed and published
with nothing switched on by hand, and the UI shows a submission's quarantined rows as a warning on its own
partition, with links to its Data Docs page, errors.csv and report that open through the portal: headless
Chromium, signed in to the portal as an operator, clicks the errors.csv link and receives the file."""

from __future__ import annotations

import json
import shutil
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from dagster._core.scheduler.instigation import TickStatus
from playwright.sync_api import Download, sync_playwright

from accord.access import OPERATOR, TokenStore
from accord.settings import DataDirs, data_dirs
from tests.conftest import ROOT, seed_landing
from tests.helpers import publication_pending
from tests.services import CHROMIUM, CHROMIUM_FLAGS, answers, dagster_process, free_port, wait_for

DROP_TO_PUBLISHED = 600  # seconds: a bound on the wait, not a speed target (speed: benchmarks/)
WAIT = 300  # seconds: the other waits' bound, as generous (a loaded machine must not fail the suite)


@dataclass
class Dev:
    url: str
    process: Any
    log: Path
    data: DataDirs
    portal: str
    operator: str  # a token
    project: Path


@pytest.fixture
def dev(tmp_path, monkeypatch, dagster_home):
    """``dagster dev`` serving ``pipelines.definitions`` on the repo's project and a temporary data directory,
    and the portal on the same data directory."""
    monkeypatch.setenv("ACCORD_DATA_DIR", str(tmp_path / "data"))
    project = tmp_path / "project"  # a copy, for the test to break a mapping in
    shutil.copytree(ROOT / "contracts", project / "contracts")
    shutil.copytree(ROOT / "mappings", project / "mappings")
    monkeypatch.setenv("ACCORD_PROJECT_DIR", str(project))
    monkeypatch.delenv("ACCORD_DATABASE_URL", raising=False)
    monkeypatch.delenv("ACCORD_SUBMISSIONS_PER_RUN", raising=False)
    data = data_dirs(tmp_path / "data").create()
    operator = TokenStore.of(data).create(OPERATOR, "e2e")
    port, portal_port = free_port(), free_port()
    portal = f"http://127.0.0.1:{portal_port}"
    monkeypatch.setenv("ACCORD_PORTAL_URL", portal)
    log, portal_log = tmp_path / "dagster-dev.log", tmp_path / "serve.log"
    with dagster_process(["accord.cli", "serve", "--port", str(portal_port)], portal_log, ROOT) as served, \
            dagster_process(["dagster", "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(port)],
                            log, ROOT) as process:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: answers(f"{portal}/healthz"), WAIT, served, portal_log)
        wait_for(lambda: answers(f"{url}/server_info"), WAIT, process, log)
        yield Dev(url, process, log, data, portal, operator, project)


def test_files_dropped_while_dagster_dev_runs_are_published_and_the_ui_shows_the_warning(dev, tmp_path):
    url, process, log, data = dev.url, dev.process, dev.log, dev.data
    seed_landing(data.landing)  # the seven sample extracts, dropped once the UI is up
    elapsed = wait_for(lambda: publication_pending(data), DROP_TO_PUBLISHED, process, log)
    print(f"dropped to published: {elapsed:.1f} s")
    with dg.DagsterInstance.get() as instance:
        submission_runs = [r.dagster_run for r in instance.get_run_records()
                           if r.dagster_run.job_name.endswith("_submission")]
        keys = instance.get_dynamic_partitions("person_v1_submissions")
    # one run per contract for the six files (the sensor saw them at one tick), then publication
    assert sorted(r.tags["accord/contract"] for r in submission_runs) == ["benefit_payment/v1", "person/v1"]
    assert {r.status for r in submission_runs} == {dg.DagsterRunStatus.SUCCESS}
    wait_for(lambda: None if (data.reports / "run-summary.json").exists() else "run summary", WAIT, process, log)
    assert json.loads((data.reports / "run-summary.json").read_text())["all_balanced"] is True

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make test-deps` installs Debian's chromium"

    nho = next(k for k in keys if k.startswith("nho/"))  # 10 rows in, 4 quarantined
    errors_key = f"quarantine/nho/person/v1/{nho.split('/')[1]}-clients_2026-11.xlsx.errors.csv"
    quarantine = f"{dev.portal}/files/{errors_key}"
    downloads: list[Download] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1600, "height": 1200}, accept_downloads=True)
            context.on("page", lambda opened: opened.on("download", lambda d: downloads.append(d)))  # new tabs
            page = context.new_page()
            page.goto(f"{dev.portal}/signin")  # the operator signs in to the portal once
            page.fill("#token", dev.operator)
            page.get_by_role("button").last.click()
            page.wait_for_url(f"{dev.portal}/")
            page.goto(f"{url}/assets/person/v1/submissions?view=checks&checkDetail=row_rules")
            listed = page.locator("div[title='row_rules']").first
            listed.wait_for(timeout=60_000)
            # the check list: a yellow warning (WARN severity), not a red error nor "Succeeded"
            entry = listed.locator("xpath=ancestor::div[contains(@class, 'flexRow')][1]")
            assert entry.get_by_role("img").first.get_attribute("aria-label") == "warning_outline"
            assert "Failed" in entry.inner_text()
            page.get_by_text("Partitions", exact=True).last.click()
            page.get_by_text("Passed (1)").wait_for()  # per partition: the clean December file passed,
            assert "Failed (4)" in page.inner_text("body")  # the four others have quarantined rows
            page.locator(f"[title='{nho}']").last.click()
            page.get_by_text("rows_quarantined").wait_for()
            detail = page.locator("main") if page.locator("main").count() else page.locator("body")
            link = detail.locator(f"a[href='{quarantine}']").first
            link.wait_for()
            page.screenshot(path=str(tmp_path / "row_rules.png"))
            link.click()  # opens a tab on the portal, which answers with the file
            for _ in range(30):  # events reach the sync API's handlers only while it is called
                if downloads:
                    break
                page.wait_for_timeout(1000)
            assert downloads, "no errors.csv download in 30 s"
            received = Path(downloads[0].path()).read_bytes()
            assert downloads[0].suggested_filename == "errors.csv"
            assert received == (data.root / errors_key).read_bytes()
            assert received.decode().count("\n") == 5  # the header and nho's four quarantined rows

            page.goto(f"{url}/assets/person/v1/submissions?view=partitions&partition={urllib.parse.quote(nho)}")
            page.get_by_text("published_partition").wait_for(timeout=60_000)
            links = page.eval_on_selector_all(f"a[href^='{dev.portal}/files/']", "links => links.map(a => a.href)")
            assert [(href, context.request.get(href).status) for href in links] == [(h, 200) for h in links]
            docs_page = context.new_page()  # the Data Docs page, styled by the portal's copy of Bootstrap
            docs_page.goto(next(h for h in links if "/data_docs/validations/" in h))
            family = docs_page.evaluate("getComputedStyle(document.body).fontFamily")
            assert "BlinkMacSystemFont" in family, family  # Bootstrap 4's body font stack
            docs_page.screenshot(path=str(tmp_path / "data_docs.png"))
        finally:
            browser.close()
    submission = f"nho-{nho.split('/')[1]}"
    assert quarantine in links
    assert f"{dev.portal}/files/reports/submissions/{submission}.json" in links
    docs = [link for link in links if link.startswith(f"{dev.portal}/files/reports/data_docs/validations/")]
    assert docs and all(d.endswith(f"{submission}.html") for d in docs)
    assert (data.root / urllib.parse.unquote(docs[0].removeprefix(f"{dev.portal}/files/"))).exists()


def _latest_tick(instance: dg.DagsterInstance, name: str) -> Any:
    state = next(s for s in instance.all_instigator_state() if s.name == name)
    ticks = instance.get_ticks(state.instigator_origin_id, state.selector_id, limit=1)
    return ticks[0] if ticks else None


def _mapping_check(instance: dg.DagsterInstance, agency: str) -> Any:
    key = dg.AssetCheckKey(dg.AssetKey(["person", "v1", "submissions"]), f"mapping_loads_{agency}")
    history = instance.event_log_storage.get_asset_check_execution_history(key, limit=1)
    return history[0].event.dagster_event.event_specific_data if history else None


def test_a_mapping_broken_while_dagster_dev_runs_turns_the_tick_and_its_check_red(dev):
    mapping = dev.project / "mappings" / "rrn" / "person.yaml"
    with dg.DagsterInstance.get() as instance:
        wait_for(lambda: None if _mapping_check(instance, "rrn") is not None else "the first mapping_loads check",
                 WAIT, dev.process, dev.log)
        assert _mapping_check(instance, "rrn").passed is True
        mapping.write_text(mapping.read_text().replace("    from: NOM\n", "    form: NOM\n"))

        def red() -> str | None:
            tick, check = _latest_tick(instance, "landing_zone"), _mapping_check(instance, "rrn")
            if check.passed or tick is None or tick.status != TickStatus.FAILURE:
                return f"tick {tick.status if tick else None}, check passed={check.passed}"
            return None

        wait_for(red, WAIT, dev.process, dev.log)
        tick, check = _latest_tick(instance, "landing_zone"), _mapping_check(instance, "rrn")
        lint = ("mappings/rrn/person.yaml:19:5: error: fields.family_name.form: unknown key 'form' "
                "(hint: did you mean 'from'?)")
        assert lint in tick.error.to_string()
        assert (check.severity, check.metadata["problems"].value) == (dg.AssetCheckSeverity.ERROR, lint)
        assert _mapping_check(instance, "cba").passed is True  # the other agencies' checks stay green


def test_the_ui_shows_a_refused_file_red_and_a_broken_yaml_check_red(dev, tmp_path):
    """A file refused (a column missing) under ``dagster dev``: its partition is failed in the UI, never
    materialized; a mapping with a YAML syntax error: its check is listed and red."""
    (dev.data.landing / "rrn").mkdir(parents=True, exist_ok=True)
    sample = (ROOT / "samples" / "landing" / "rrn" / "personnes_2026-12.csv").read_bytes()
    (dev.data.landing / "rrn" / "personnes_2026-12.csv").write_bytes(sample.replace(b";NOM;", b";NOMS;", 1))
    broken = dev.project / "mappings" / "nho" / "person.yaml"
    broken.write_text(broken.read_text("utf-8").replace("contract: person\n", "contract: person\nfields: [\n", 1))
    with dg.DagsterInstance.get() as instance:
        def refused() -> str | None:
            runs = [r.dagster_run for r in instance.get_run_records() if r.dagster_run.job_name.endswith("_submission")]
            return None if any(r.status == dg.DagsterRunStatus.FAILURE for r in runs) else f"runs: {runs}"

        wait_for(refused, WAIT, dev.process, dev.log)
        [key] = instance.get_dynamic_partitions("person_v1_submissions")
        wait_for(lambda: None if _mapping_check(instance, "nho") is not None else "nho's check", WAIT, dev.process,
                 dev.log)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_context(viewport={"width": 1600, "height": 1200}).new_page()
            page.goto(f"{dev.url}/assets/person/v1/submissions?view=partitions&partition={urllib.parse.quote(key)}")
            page.get_by_text("did not materialize this asset").wait_for(timeout=60_000)
            page.screenshot(path=str(tmp_path / "refused.png"))
            shown = page.inner_text("body")
            assert "Failed (1)" in shown and "Materialized (0)" in shown, shown
            assert "…onnes_2026-12.csv" in shown  # the key cut in its middle: the file name stays in view
            page.goto(f"{dev.url}/assets/person/v1/submissions?view=checks")
            states = {}
            for agency in ("cba", "msa", "nho", "rrn"):
                listed = page.locator(f"div[title='mapping_loads_{agency}']").first
                listed.wait_for(timeout=60_000)
                states[agency] = listed.locator("xpath=ancestor::div[contains(@class, 'flexRow')][1]").inner_text()
            page.screenshot(path=str(tmp_path / "checks.png"))
        finally:
            browser.close()
    # the YAML syntax error's check is there and red; the mappings that load are green, never "not evaluated"
    assert {a: s.split("\n")[-1] for a, s in states.items()} == {
        "cba": "Succeeded", "msa": "Succeeded", "nho": "Failed", "rrn": "Succeeded"}, states
