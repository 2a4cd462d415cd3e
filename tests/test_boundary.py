"""The engine stays importable without the orchestrator, and heavy libraries load only when used."""

import subprocess
import sys

ENGINE_MODULES = ["accord.cli", "accord.process", "accord.integrate", "accord.summary", "accord.validation",
                  "accord.portal.app"]


def test_engine_imports_neither_dagster_nor_great_expectations():
    code = (
        f"import sys; import {', '.join(ENGINE_MODULES)}; "
        "print(sorted(m for m in ('dagster', 'great_expectations') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_command_line_and_the_check_report_load_no_database_table_format_or_gx():
    """``accord check`` starts in about the time pandera takes to import: nothing it does not use."""
    code = ("import sys; import accord.cli.main, accord.reports.check; "
            "print(sorted(m for m in ('sqlalchemy', 'deltalake', 'great_expectations', 'dagster', 's3fs') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_eval_or_exec_in_the_engine():
    """Python's eval/exec (and compile of source text) never appear; polars' ``list.eval`` (an expression run
    on each list's elements) is not Python's eval."""
    import re
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "accord"
    builtin = re.compile(r"(?<![.\w])(?:eval|exec)\(|__import__\(")
    offenders = [p.name for p in src.rglob("*.py") if builtin.search(p.read_text())]
    assert offenders == []
    assert builtin.search("x = eval(text)") and builtin.search("exec(code)") and not builtin.search(
        "pl.element().list.eval(e)")
