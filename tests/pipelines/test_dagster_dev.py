"""``make dev`` for real: ``dagster dev`` (webserver, daemon, code server) on a free port with the repo's
instance configuration and a fresh data directory. Files dropped into landing while it runs are processed and
published with nothing switched on by hand, and the UI shows a submission's quarantined rows as a warning on
its own partition, with links to its Data Docs page, errors.csv and report (read in headless Chromium)."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

import dagster as dg
import pytest
from playwright.sync_api import sync_playwright

from accord.settings import data_dirs
from tests.conftest import ROOT, seed_landing
from tests.helpers import publication_pending
from tests.services import CHROMIUM, CHROMIUM_FLAGS, answers, dagster_process, free_port, wait_for

DROP_TO_PUBLISHED = 90  # seconds


@pytest.fixture
def dev(tmp_path, monkeypatch, dagster_home):
    """``dagster dev`` serving ``pipelines.definitions`` on the repo's project and a temporary data directory."""
    monkeypatch.setenv("ACCORD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ACCORD_PROJECT_DIR", str(ROOT))
    monkeypatch.delenv("ACCORD_DATABASE_URL", raising=False)
    monkeypatch.delenv("ACCORD_SUBMISSIONS_PER_RUN", raising=False)
    port = free_port()
    log = tmp_path / "dagster-dev.log"
    with dagster_process(["dagster", "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(port)],
                         log, ROOT) as process:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: answers(f"{url}/server_info"), 120, process, log)
        yield url, process, log, data_dirs(tmp_path / "data").create()


def test_files_dropped_while_dagster_dev_runs_are_published_and_the_ui_shows_the_warning(dev, tmp_path):
    url, process, log, data = dev
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
    wait_for(lambda: None if (data.reports / "run-summary.json").exists() else "run summary", 30, process, log)
    assert json.loads((data.reports / "run-summary.json").read_text())["all_balanced"] is True

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make test-deps` installs Debian's chromium"

    nho = next(k for k in keys if k.startswith("nho/"))  # 10 rows in, 4 quarantined
    quarantine = f"{data.quarantine.as_uri()}/nho/person/v1/{nho.rsplit('#', 1)[1]}-clients_2026-11.xlsx.errors.csv"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
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
            assert detail.locator(f"a[href='{quarantine}']").count() >= 1
            page.screenshot(path=str(tmp_path / "row_rules.png"))

            page.goto(f"{url}/assets/person/v1/submissions?view=partitions&partition={urllib.parse.quote(nho)}")
            page.get_by_text("published_part").wait_for(timeout=60_000)
            links = page.eval_on_selector_all("a[href^='file://']", "links => links.map(a => a.href)")
        finally:
            browser.close()
    submission = f"nho-{nho.rsplit('#', 1)[1]}"
    assert quarantine in links
    assert f"{data.reports.as_uri()}/submissions/{submission}.json" in links
    docs = [link for link in links if link.startswith(f"{data.reports.as_uri()}/data_docs/validations/")]
    assert docs and all(d.endswith(f"{submission}.html") for d in docs)
    assert Path(urllib.parse.urlparse(docs[0]).path).exists()
