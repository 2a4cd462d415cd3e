"""``accord agency token create | list | revoke``: a token is printed once and works at once; the list never
shows a secret; a revoked token stops working."""

from __future__ import annotations

from typer.testing import CliRunner

from accord.access import TokenStore
from accord.cli.main import app
from accord.settings import data_dirs


def test_create_list_revoke(tmp_path):
    runner, data = CliRunner(), str(tmp_path / "data")
    created = runner.invoke(app, ["agency", "token", "create", "rrn", "--label", "monthly job", "--data-dir", data])
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    store = TokenStore.of(data_dirs(data))
    principal = store.verify(token)
    assert (principal.agency, principal.label, principal.is_operator) == ("rrn", "monthly job", False)
    operator = runner.invoke(app, ["agency", "token", "create", "--operator", "--data-dir", data]).output.strip()
    assert store.verify(operator).is_operator and store.has_operator()
    listed = runner.invoke(app, ["agency", "token", "list", "--data-dir", data]).output
    token_id = token.split("_")[1]
    assert token_id in listed and "monthly job" in listed and token.split("_", 2)[2] not in listed
    assert runner.invoke(app, ["agency", "token", "revoke", token_id, "--data-dir", data]).exit_code == 0
    assert store.verify(token) is None
    again = runner.invoke(app, ["agency", "token", "revoke", token_id, "--data-dir", data])
    assert again.exit_code == 1 and f"no active token with id '{token_id}'" in again.output
    bad = runner.invoke(app, ["agency", "token", "create", "Not An Agency", "--data-dir", data])
    assert bad.exit_code == 2 and "is not 2-32 lower-case letters" in bad.output
    both = runner.invoke(app, ["agency", "token", "create", "rrn", "--operator", "--data-dir", data])
    assert both.exit_code == 2
