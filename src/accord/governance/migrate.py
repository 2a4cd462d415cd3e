"""``accord mapping upgrade FILE --to-contract person/2``: the agency's mapping drafted for a new major of a
contract it feeds, from the contract diff: a new target beside the old one (both majors fed until the old one's
sunset; ``replace`` drops the old target), its fields renamed as the diff says, and a TODO for each thing the diff
cannot decide (a required field no entry gives, an entry for a field the new version does not have, codes the
new version no longer allows)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import yaml

from accord.contracts import Contract
from accord.contracts.diff import diff_contracts
from accord.governance.impact import renames
from accord.mapping.spec_v1 import upgrade


@dataclass
class Migration:
    text: str  # the mapping file, version 2, with the new target
    todos: list[str] = field(default_factory=list)


def _codes_gone(entry: dict[str, Any], new: Contract, name: str) -> list[str]:
    """Codes the entry's code map writes that the new version's field does not allow."""
    target = next((f for f in new.fields if f.name == name), None)
    if target is None or target.enum is None:
        return []
    written = []
    for step in entry.get("steps") or []:
        if isinstance(step, dict) and isinstance(step.get("codes"), dict):
            written += [str(v) for v in (step["codes"].get("map") or {}).values() if v is not None]
    return sorted(set(written) - set(target.enum))


def draft_migration(text: str, data: dict[str, Any], old: Contract, new: Contract, *, replace: bool = False,
                    ) -> Migration:
    """The mapping document ``data`` (its ``text`` for the leading comments) with a target for ``new`` made from
    each of its targets for ``old``'s major."""
    document = upgrade(data)[0] if data.get("mapping_version", 1) == 1 else copy.deepcopy(data)
    renamed = renames(diff_contracts(old, new))
    todos: list[str] = []
    kept, added = [], []
    for target in document.get("targets") or []:
        if target.get("contract") != new.id or target.get("contract_version") != old.major:
            kept.append(target)
            continue
        if not replace:
            kept.append(target)
        fields = {renamed.get(name, name): copy.deepcopy(entry) for name, entry in (target.get("fields") or {}).items()}
        for name in [n for n in fields if n not in new.field_names]:
            todos.append(f"{name}: {new.label} has no such field; the entry is left out")
            del fields[name]
        for name, entry in fields.items():
            gone = _codes_gone(entry, new, name) if isinstance(entry, dict) else []
            if gone:
                todos.append(f"{name}: the code map writes {', '.join(gone)}, which {new.label} does not allow")
        todos += [f"{f.name}: required by {new.label}; no entry of the old mapping gives it"
                  for f in new.fields if f.required and f.name not in fields]
        added.append({**copy.deepcopy(target), "contract_version": new.major, "fields": fields})
    document["targets"] = kept + added
    comments = [line for line in text.splitlines() if line.startswith("#")][:20]
    header = [*comments, f"# {new.label} added by accord mapping upgrade --to-contract {new.id}/{new.major}"
              + (" (replacing the old target)." if replace else " beside the old target: both are fed until "
                 "the old version's sunset.")]
    header += [f"# TODO: {todo}" for todo in todos] + renamed_lines(renamed)
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)
    return Migration("\n".join(header) + "\n" + body, todos)


def renamed_lines(renamed: dict[str, str]) -> list[str]:
    return [f"# renamed by the contract: {old} -> {new}" for old, new in renamed.items()]
