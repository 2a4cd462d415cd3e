"""How much of each hand-written mapping does ``accord mapping suggest`` reproduce from the sample extract
alone? A field counts when the draft produces the same values and the same errors as the hand-written one.
Besides the shipped mappings (version 1, one extract each), a new extract with English headers and spelled-out
codes, with its hand-written mapping, in tests/fixtures/suggest/.
Run: .venv/bin/python scripts/measure_suggest.py"""

from __future__ import annotations

import sys
from pathlib import Path

from accord.contracts import ContractRegistry
from accord.mapping import load_mappings
from accord.mapping.suggest import agreement, draft_findings, suggest_mapping

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "suggest"


def main() -> int:
    registry = ContractRegistry.load(ROOT / "contracts")
    worst = 1.0
    cases = [(m, ROOT / "samples" / "landing") for m in load_mappings(ROOT / "mappings", registry)
             if m.spec.delivery is None]  # a delivery's members are not files suggest reads
    cases += [(m, FIXTURE) for m in load_mappings(FIXTURE / "mappings", registry)]
    total = reproduced = 0
    for mapping, samples in cases:
        [extract] = sorted((samples / mapping.agency).glob(mapping.spec.source.pattern))[:1] if samples != FIXTURE \
            else sorted(samples.glob(mapping.spec.source.pattern))[:1]
        text, _ = suggest_mapping(extract, mapping.contract, mapping.agency)
        fields = agreement(text, mapping, extract)
        share = sum(fields.values()) / len(fields)
        total, reproduced = total + len(fields), reproduced + sum(fields.values())
        worst = min(worst, share)
        missed = ", ".join(n for n, ok in fields.items() if not ok) or "-"
        lint = len(draft_findings(text, registry, mapping.agency, mapping.contract))
        print(f"{mapping.name:22} {sum(fields.values())}/{len(fields)} fields reproduced ({share:.0%}); "
              f"missed: {missed}; lint findings on the draft: {lint}")
    print(f"all: {reproduced}/{total} fields reproduced ({reproduced / total:.0%})")
    return 0 if worst >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(main())
