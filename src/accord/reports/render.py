"""The check report as HTML, in one language: the standalone ``report.html`` / ``report.fr.html`` of
``accord check --report`` and the body the portal shows, from one template (``report_body.html.j2``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape

from accord.reports.check import CheckReport
from accord.reports.groups import chart_data, problem_groups
from accord.reports.texts import LANGS, local_time, texts

PAGE_SIZE = 100  # rows of a group shown at once
MAX_GROUPS = 60  # groups shown; the rest are in errors.csv
STANDALONE = {"en": "report.html", "fr": "report.fr.html"}


def environment(*loaders: BaseLoader) -> Environment:
    """Autoescaping Jinja, with the report templates after ``loaders`` (the portal's own)."""
    env = Environment(loader=ChoiceLoader([*loaders, PackageLoader("accord.reports", "templates")]),
                      undefined=StrictUndefined, autoescape=select_autoescape(["html.j2", "html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["local_time"] = local_time  # {{ value|local_time(lang) }}
    return env


def other(lang: str) -> str:
    return LANGS[1 - LANGS.index(lang)]


def report_context(report: CheckReport, lang: str, errors_csv: str | None = None,
                   group: Callable[[int, int], str] | None = None) -> dict[str, Any]:
    """What ``report_body.html.j2`` needs: ``errors_csv`` the download link, ``group(number, page)`` the link to
    a page of a group's rows (none in a standalone file: its groups show their first ``PAGE_SIZE`` rows)."""
    groups = problem_groups(report.errors, report.examples, report.group_counts)
    return {"r": report, "lang": lang, "other_lang": other(lang), "t": texts(lang), "summary": report.summary(lang),
            "file_name": Path(report.file).name, "groups": groups, "charts": chart_data(groups),
            "max_groups": MAX_GROUPS, "page_size": PAGE_SIZE,
            "links": {"errors_csv": errors_csv, "group": group}}


def render_standalone(report: CheckReport, lang: str) -> str:
    context = report_context(report, lang, errors_csv="errors.csv")
    context["links"]["switch"] = STANDALONE[other(lang)]
    return environment().get_template("check.html.j2").render(context)
