"""The engine stays importable without the orchestrator, and heavy libraries load only when used."""

import subprocess
import sys

ENGINE_MODULES = ["accord.cli", "accord.process", "accord.integrate", "accord.summary", "accord.validation"]


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
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "accord"
    offenders = [p.name for p in src.rglob("*.py") if "eval(" in p.read_text() or "exec(" in p.read_text()]
    assert offenders == []
