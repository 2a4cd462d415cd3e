"""Which mapping claims a file, from its name alone (before a byte of it is read): what pickup decides, and
what the portal asks before it takes an upload."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from accord.intake.names import file_name_problem
from accord.mapping import Mapping
from accord.mapping.loader import HeldTarget

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xls", ".ods")  # the same table, saved as text or a workbook


def matching_mappings(agency: str, name: str, mappings: list[Mapping]) -> list[Mapping]:
    """The agency's mappings whose pattern matches ``name``; when none does, those that would with the name's
    table suffix swapped for their own (``personnes_2026-11.xlsx`` for ``personnes_*.csv``), unless they say
    ``strict_format`` (``accord.readers.same_table`` then reads it)."""
    own = [m for m in mappings if m.agency == agency]
    exact = [m for m in own if fnmatchcase(name, m.spec.source.pattern)]
    stem, dot, suffix = name.rpartition(".")
    if exact or not dot or f".{suffix.lower()}" not in TABLE_SUFFIXES:
        return exact
    return [m for m in own if not m.spec.source.strict_format and m.spec.source.pattern.lower().endswith(TABLE_SUFFIXES)
            and fnmatchcase(stem + m.spec.source.pattern[m.spec.source.pattern.rfind("."):], m.spec.source.pattern)]


@dataclass(frozen=True)
class Verdict:
    """What pickup decided from an entry's name and kind, before reading a byte of it."""

    agency: str  # the record's agency (TOP when the folder is not a valid agency)
    mappings: tuple[Mapping, ...] = ()  # accepted for these mappings (the targets of one mapping file)
    reason: str = ""  # refused: reason code
    detail: str = ""


def judge_name(agency: str, name: str, mappings: list[Mapping], ended: Sequence[HeldTarget] = ()) -> Verdict:
    """What becomes of a file ``name`` from ``agency`` (a valid agency id): the mapping file (one, with one or
    several targets) that claims it, or why it is refused (``bad-name``, ``unclaimed``, ``ambiguous``,
    ``contract-ended``: only a mapping onto a version past its sunset or retired claims it). The portal asks the
    same question before it takes an upload."""
    if problem := file_name_problem(name):
        return Verdict(agency, reason="bad-name", detail=problem)
    candidates = matching_mappings(agency, name, mappings)
    if candidates and len({m.file for m in candidates}) == 1:  # one mapping file, one or several targets
        return Verdict(agency, mappings=tuple(candidates))
    gone = [h for h in ended if h.kind == "ended" and h.agency == agency and h.pattern
            and fnmatchcase(name, h.pattern)]
    if not candidates and gone:
        return Verdict(agency, reason="contract-ended", detail=f"{gone[0].message}, and the mapping "
                       f"{gone[0].file.parent.name}/{gone[0].file.name} that reads {name!r} has no target of a "
                       f"version produced today: the agency must migrate it (accord mapping upgrade --to-contract "
                       f"{gone[0].target.split('/')[0]}/<newer major>)")
    patterns = ", ".join(m.spec.source.pattern for m in mappings if m.agency == agency)
    why = "no mapping" if not candidates else f"{len({m.file for m in candidates})} mapping files"
    return Verdict(agency, reason="unclaimed" if not candidates else "ambiguous",
                   detail=f"{why} of agency {agency!r} {'matches' if not candidates else 'match'} {name!r} "
                          f"(patterns: {patterns})")
