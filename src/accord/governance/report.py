"""The impact report as a page, in English or French (escaped: contract and mapping text is shown as text)."""

from __future__ import annotations

from pathlib import Path

from accord.governance.impact import ImpactReport
from accord.mapping.lint_fr import in_language
from accord.reports.texts import RULES

WORDS = {
    "en": {"title": "Impact of {contract} {version}", "none": "No agency is affected.",
           "some": "{n} of {total} agencies affected.", "changes": "Changes", "agency": "Agency",
           "mapping": "Mapping", "feeds": "feeds today", "lint": "The mapping against the proposal",
           "lint_ok": "lints clean", "unfilled": "Required fields the mapping does not fill", "extract": "Extract",
           "records": "records", "published": "published today", "would": "published under the proposal",
           "to_quarantine": "would move to quarantine", "to_published": "would move to published",
           "why": "Why", "rule": "rule", "column": "column", "examples": "examples (row: value)",
           "removed": "Codes the agency sends that the proposal removes", "renamed": "Renamed fields followed",
           "no_extract": "No archived extract to measure.", "other": "Français", "other_file": "impact.fr.html",
           "breaking": "breaking"},
    "fr": {"title": "Impact de {contract} {version}", "none": "Aucun organisme n'est touché.",
           "some": "{n} organisme(s) sur {total} touché(s).", "changes": "Changements", "agency": "Organisme",
           "mapping": "Mapping", "feeds": "alimente aujourd'hui", "lint": "Le mapping face à la proposition",
           "lint_ok": "aucun problème", "unfilled": "Champs obligatoires que le mapping ne remplit pas",
           "extract": "Extrait", "records": "enregistrements", "published": "publiés aujourd'hui",
           "would": "publiés avec la proposition", "to_quarantine": "passeraient en quarantaine",
           "to_published": "passeraient en publication", "why": "Pourquoi", "rule": "règle", "column": "colonne",
           "examples": "exemples (ligne : valeur)", "removed": "Codes envoyés que la proposition retire",
           "renamed": "Champs renommés suivis", "no_extract": "Aucun extrait archivé à mesurer.",
           "other": "English", "other_file": "impact.html", "breaking": "rupture"},
}


def render_impact(report: ImpactReport, lang: str) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html"]))
    words = WORDS[lang]
    affected = sum(1 for a in report.agencies if a.impacted)
    side = 0 if lang == "en" else 1
    return env.get_template("impact.html").render(
        report=report, w=words, lang=lang, affected=affected,
        rule_name=lambda rule: f"{RULES.get(rule, (rule, rule))[side]} ({rule})",
        said=lambda finding: in_language(finding, lang).message,
        title=words["title"].format(contract=report.contract, version=report.proposed),
        verdict=words["some"].format(n=affected, total=len(report.agencies)) if affected else words["none"],
        changes=report.diff.changes if report.diff else [])


def impact_pages(report: ImpactReport) -> dict[str, str]:
    """``impact.html`` (English) and ``impact.fr.html`` (French), each linking to the other."""
    return {"impact.html": render_impact(report, "en"), "impact.fr.html": render_impact(report, "fr")}


def write_impact_pages(report: ImpactReport, folder: Path) -> list[Path]:
    """``impact.html`` and ``impact.fr.html`` (each linking to the other) and ``impact.json`` in ``folder``."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, html in impact_pages(report).items():
        (folder / name).write_text(html, encoding="utf-8")
        written.append(folder / name)
    (folder / "impact.json").write_text(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    return [*written, folder / "impact.json"]
