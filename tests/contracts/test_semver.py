"""Contract versions are semver, pre-releases included."""

from __future__ import annotations

import pytest

from accord.contracts import ContractRegistry, lint_contract, load_contract
from accord.contracts.diff import diff_contracts
from accord.contracts.semver import Version
from tests.helpers import person_contract_data, write_contract


def test_precedence_follows_semver():
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
               "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0", "2.0.0-rc.1", "2.0.0"]  # the list of semver.org, 11
    assert sorted(ordered[::-1], key=lambda v: Version.parse(v).key) == ordered
    assert Version.parse("3.0.0-rc.1+build.5").prerelease == ("rc", "1")
    for bad in ("3.0", "01.0.0", "1.0.0-", "1.0.0-01", "v1.0.0"):
        with pytest.raises(ValueError, match=r"is not MAJOR\.MINOR\.PATCH"):
            Version.parse(bad)


def test_a_pre_release_loads_and_a_release_of_the_same_major_wins(tmp_path):
    for version in ("1.0.0", "1.1.0-rc.1", "2.0.0-rc.1", "2.0.0-rc.2"):
        data = person_contract_data()
        data["version"] = version
        write_contract(tmp_path, data)
    registry = ContractRegistry.load(tmp_path)
    assert registry.resolve("person", 1).version == "1.0.0"  # a release before any pre-release
    assert registry.resolve("person", 2).version == "2.0.0-rc.2"  # only pre-releases: the latest
    assert registry.resolve("person", 2).major == 2


def test_lint_names_the_version_rule(tmp_path):
    data = person_contract_data()
    data["version"] = "3.0"
    findings = lint_contract(write_contract(tmp_path, data, "bad.yaml"))
    assert [(f.path, f.message) for f in findings if f.path == "version"] == [
        ("version", "version '3.0' is not MAJOR.MINOR.PATCH or MAJOR.MINOR.PATCH-PRERELEASE (semver: 3.0.0-rc.1)")]


def test_between_pre_releases_and_to_the_release_any_change_is_allowed(tmp_path):
    def contract(version: str, drop_language: bool):
        data = person_contract_data()
        data["version"] = version
        if drop_language:
            data["schema"][0]["properties"].pop(8)  # a breaking change
        return load_contract(write_contract(tmp_path / version, data))

    rc1, rc2, release = contract("2.0.0-rc.1", False), contract("2.0.0-rc.2", True), contract("2.0.0", True)
    assert (diff_contracts(rc1, rc2).actual_bump, diff_contracts(rc1, rc2).ok) == ("prerelease", True)
    assert diff_contracts(rc1, release).ok
    one = contract("1.0.0", False)
    assert (diff_contracts(one, rc2).actual_bump, diff_contracts(one, rc2).ok) == ("major", True)
    assert diff_contracts(release, rc2).actual_bump == "downgrade"
