"""Peak memory of ``accord check`` on the row-amplification cases of docs/security.md (issue 25): small files that
make millions of records through a mapping's row operations. Each case runs in a fresh process; the peak RSS is
the child's ``ru_maxrss``.

    python benchmarks/amplification.py            # prints a table, writes benchmarks/results/amplification.json
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ACCORD = Path(sys.executable).parent / "accord"
PEOPLE = "DOSSIER;NOM;PRENOM;NAISSANCE;SEXE;CODE_POSTAL;PROVINCE;LANGUE;ETAT\n" + "".join(
    f"MSA-{n:04d};Nom;Prenom;01/01/1980;F;E1A 1A1;Nouveau-Brunswick;fr;ACTIF\n" for n in range(1, 2501))


def _zip(path: Path, payments: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("personnes.csv", PEOPLE)
        archive.writestr("versements.csv", payments)
    path.write_bytes(buffer.getvalue())


def shipped_explode(folder: Path) -> tuple[Path, Path, str, str]:
    """The shipped msa mapping; 2,500 lines of 1,201 payments each (3,002,500 items, about 30 MB)."""
    draw = random.Random(25)  # noqa: S311 (test data)
    payments = "DOSSIER;PROGRAMME;MOIS;VERSEMENTS\n" + "".join(
        f"MSA-{n:04d};LOGEMENT;2026-11;" + "|".join(f"{draw.randint(1, 28):02d}={draw.randint(0, 99999):05d},"
                                                   f"{draw.randint(0, 99):02d}" for _ in range(1201)) + "\n"
        for n in range(1, 2501))
    file = folder / "dossiers_2026-12.zip"
    _zip(file, payments)
    return file, ROOT, "msa", "benefit_payment"


def _project(folder: Path, mapping: str) -> Path:
    project = folder / "project"
    (project / "mappings" / "hst").mkdir(parents=True)
    (project / "contracts").symlink_to(ROOT / "contracts")
    (project / "mappings" / "hst" / "m.yaml").write_text(mapping, encoding="utf-8")
    return project


MAPPING = """mapping_version: 2
agency: hst
source: {{pattern: "*.csv", format: csv, encoding: utf-8, delimiter: ";"}}
targets:
  - contract: benefit_payment
    contract_version: 1
    rows:
      - {rows}
    fields:
      payment_id: {{template: "{{ID}}-{{{part}}}"}}
      person_id: {{from: ID}}
      program_code: {{constant: HOUSING}}
      amount: {{constant: "1.00"}}
      currency: {{constant: CAD}}
      payment_date: {{constant: "2026-11-02"}}
      status: {{constant: PAID}}
"""


def hostile_explode(folder: Path) -> tuple[Path, Path, str, str]:
    """A hostile mapping: explode on ``,``; 100 lines of 90,000 separators (9 MB)."""
    project = _project(folder, MAPPING.format(rows='explode: {column: P, separator: ","}', part="P"))
    file = folder / "x.csv"
    file.write_text("ID;P\n" + "".join(f"A{n};{',' * 90_000}\n" for n in range(100)), encoding="utf-8")
    return file, project, "hst", "benefit_payment"


def hostile_unpivot(folder: Path) -> tuple[Path, Path, str, str]:
    """A hostile mapping: unpivot over 998 columns; 2,000 rows (about 4 MB)."""
    columns = [f"C{n}" for n in range(998)]
    rows = f'unpivot: {{columns: [{", ".join(columns)}], name: K, value: V}}'
    project = _project(folder, MAPPING.format(rows=rows, part="K"))
    file = folder / "x.csv"
    file.write_text("ID;" + ";".join(columns) + "\n" + "".join(
        f"A{n};" + ";".join("1" for _ in columns) + "\n" for n in range(2000)), encoding="utf-8")
    return file, project, "hst", "benefit_payment"


PEAK = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
        "print(f'peak_kb={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}', file=sys.stderr); "
        "sys.exit(done.returncode)")


def run(case) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        file, project, agency, contract = case(Path(tmp))
        started = time.monotonic()
        command = [str(ACCORD), "check", str(file), "--agency", agency, "--contract", contract, "--project-dir",
                   str(project), "--json", "--report", str(Path(tmp) / "report")]
        done = subprocess.run([sys.executable, "-c", PEAK, *command], capture_output=True, text=True)  # noqa: S603
        seconds = time.monotonic() - started
        *_, peak_line = done.stderr.strip().splitlines()
        peak = int(peak_line.removeprefix("peak_kb="))
        report = json.loads(done.stdout) if done.stdout.startswith("{") else {}
        rules: dict[str, int] = {}
        for error in report.get("errors", []):
            rules[error["rule"]] = rules.get(error["rule"], 0) + 1
        return {"case": case.__name__, "file_bytes": file.stat().st_size, "exit": done.returncode,
                "seconds": round(seconds, 1), "peak_rss_mb": peak // 1024,
                "rows_in": report.get("rows_in"), "rows_published": report.get("rows_published"),
                "rows_quarantined": report.get("rows_quarantined"), "rules": rules,
                "stderr": done.stderr[-300:] if done.returncode > 1 else ""}


def main() -> None:
    results = [run(case) for case in (hostile_explode, hostile_unpivot, shipped_explode)]
    for r in results:
        print(f"{r['case']:16} {r['file_bytes']:>10} B  exit {r['exit']}  {r['seconds']:>6} s  "
              f"peak {r['peak_rss_mb']:>5} MB  in {r['rows_in']}  published {r['rows_published']}  "
              f"quarantined {r['rows_quarantined']}  {r['rules']}")
    out = ROOT / "benchmarks" / "results" / "amplification.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
