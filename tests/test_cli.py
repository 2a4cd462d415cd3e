from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from accord.cli import app
from tests.conftest import ROOT
from tests.helpers import person_contract_data, write_contract

runner = CliRunner()


def test_contract_lint_ok_and_error_exit_codes(tmp_path):
    ok = runner.invoke(app, ["contract", "lint", str(ROOT / "contracts")])
    assert ok.exit_code == 0, ok.output
    assert "3 contract(s) checked, 0 with errors" in ok.output
    data = person_contract_data()
    data["schema"][0]["properties"][5]["logicalType"] = "text"
    bad = write_contract(tmp_path, data)
    result = runner.invoke(app, ["contract", "lint", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:" in result.output
    assert "schema[0].properties[5].logicalType: 'text' is not one of" in result.output


def test_contract_lint_prints_warnings_but_passes(tmp_path):
    data = person_contract_data()
    data["schema"][0]["properties"][1]["logicalTypeOptions"]["pattern"] = "[0-9]{9}"
    file = write_contract(tmp_path, data)
    result = runner.invoke(app, ["contract", "lint", str(file)])
    assert result.exit_code == 0
    assert f"{file}:" in result.output and ": warning: schema[0].properties[1].logicalTypeOptions.pattern:" in (
        result.output)
    assert "1 contract(s) checked, 0 with errors, 1 with warnings only" in result.output


def test_accord_run_on_samples_prints_summary(tmp_path, monkeypatch, dagster_home):
    home = dagster_home
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["run", "--samples", "--project-dir", str(ROOT), "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert "copied 7 sample extracts" in result.output
    assert "landing zone: 8 new submission(s), 0 duplicate(s) ignored, 0 refused" in result.output
    assert "│ nho    │ person v1.0.0          │     1 │      10 │         6 │           4 │        0 │" in result.output
    assert "│ rrn    │ person v1.0.0          │     2 │      15 │        12 │           3 │        0 │" in result.output
    # msa: 6 payment lines make 3 payments (explode), 2 lines quarantined, 2 filtered
    assert "│ msa    │ benefit_payment v1.0.0 │     1 │       6 │         3 │           2 │        2 │" in result.output
    summary = json.loads((tmp_path / "d" / "reports" / "run-summary.json").read_text())
    assert [r["rows_quarantined"] for r in summary["results"]] == [2, 2, 2, 3, 1, 4, 3]
    msa = next(r for r in summary["results"] if r["agency"] == "msa" and r["contract"] == "benefit_payment")
    assert (msa["rows_in"], msa["records_published"], msa["rows_published"], msa["rows_quarantined"],
            msa["rows_filtered"], msa["balanced"]) == (6, 2, 3, 2, 2, True)
    run_ids = re.search(r"dagster runs ([0-9a-f, ]+)", result.output).group(1).strip().split(", ")
    assert len(run_ids) == 3  # person submissions, benefit_payment submissions, publication
    runs = [p.stem for p in (home / "history" / "runs").glob("*-*-*-*-*.db")]
    assert sorted(r[:8] for r in runs) == sorted(run_ids)  # every run is in the SQLite instance


def test_publish_integrate_follows_the_change_or_rebuilds(tmp_path, mappings, registry):
    from accord.agency import run_agency
    from accord.settings import data_dirs
    from tests.conftest import seed_landing

    data = data_dirs(tmp_path / "data").create()
    seed_landing(data.landing)
    for name in ("rrn/person", "nho/person", "cba/person"):
        run_agency(mappings[name], data, dataset_rules=False)
    args = ["publish", "integrate", "--data-dir", str(data.root), "--project-dir", str(ROOT)]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        "person v1.0.0 integrated: version 0, 21 rows (5 merged); files: 1 written, 0 replaced, 0 kept"]
    again = runner.invoke(app, args)  # nothing changed: no new version, nothing written
    assert again.output.splitlines() == [
        "person v1.0.0 integrated: version 0, 21 rows (5 merged); files: 0 written, 0 replaced, 0 kept"]
    rebuilt = runner.invoke(app, [*args, "--rebuild", "--contract", "person"])
    assert rebuilt.output.splitlines() == [
        "person v1.0.0 integrated: version 1, 21 rows (5 merged); files: 1 written, 1 replaced, 0 kept"]
    unknown = runner.invoke(app, [*args, "--contract", "benefit_payment"])  # no agencies table yet: nothing to do
    assert (unknown.exit_code, unknown.output) == (0, "")


def test_publish_vacuum_keeps_what_the_manifest_names(tmp_path, mappings, registry, pseudonym_key):
    from accord.agency import run_agency
    from accord.integrate import integrate
    from accord.settings import data_dirs
    from tests.conftest import seed_landing

    data = data_dirs(tmp_path / "data").create()
    seed_landing(data.landing)
    person = registry.resolve("person", 1)
    for name in ("rrn/person", "nho/person"):
        run_agency(mappings[name], data, dataset_rules=False)
        integrate(person, data, pseudonym_key)
    args = ["publish", "vacuum", "--data-dir", str(data.root), "--project-dir", str(ROOT)]
    dry = runner.invoke(app, [*args, "--retention-hours", "0", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "person v1.0.0 integrated: would remove 1 file(s)" in dry.output  # the first integrated version's
    assert "person v1.0.0 agencies: would remove 0 file(s)" in dry.output  # appends: every file is current
    done = runner.invoke(app, [*args, "--retention-hours", "0"])
    assert "1 file(s) removed" in done.output
    import accord

    people = accord.read("person", 1, data_dir=data.root, project_dir=ROOT).collect()
    assert people.height == 15  # rrn and nho: 15 people
