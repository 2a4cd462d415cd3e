"""A draft delivery mapping (version 2) from a sample zip: each contract asked for is drafted from the member
file that fits it best (``accord.mapping.suggest`` on every member), each member it reads declared as a file of
the delivery by its name. The zip is opened with the delivery reader's bounds (entries, expansion, ratio)."""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from accord.contracts import Contract
from accord.errors import ExtractRejected
from accord.intake.limits import Limits
from accord.mapping.spec import DeliverySpec
from accord.mapping.spec_v1 import upgrade
from accord.mapping.suggest import FORMATS, FieldChoice, suggest_mapping
from accord.readers.delivery import open_delivery

_SCORES = {"high": 2, "medium": 1}


def _members(file: Path) -> dict[str, str]:
    """A key of accord's choosing (the name's stem, as an identifier) -> each table file's name in the zip."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = sorted({PurePosixPath(e.filename).name for e in archive.infolist() if not e.is_dir()})
    except zipfile.BadZipFile:
        raise ExtractRejected("not a readable zip file", reason="format", file=file) from None
    members: dict[str, str] = {}
    for name in names:
        if PurePosixPath(name).suffix.lower() in FORMATS and not re.search(r"[*?\[\]]", name):
            key = re.sub(r"[^a-z0-9_]+", "_", PurePosixPath(name).stem.lower()).strip("_") or "file"
            members.setdefault(key if key not in members else f"{key}_{len(members)}", name)
    return members


def _score(choices: list[FieldChoice]) -> int:
    return sum(_SCORES.get(c.confidence, 0) for c in choices)


def _indented(data: Any, spaces: int) -> list[str]:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110, default_flow_style=None)
    return [" " * spaces + line for line in text.splitlines()]


def suggest_delivery(file: Path, contracts: list[Contract], agency: str, limits: Limits | None = None) -> str:
    """The draft delivery mapping of ``agency``'s sample zip ``file`` onto ``contracts``."""
    members = _members(file)
    if not members:
        raise ExtractRejected("the zip holds no table file (CSV, workbook, JSON, Parquet) to draft from",
                              reason="delivery", file=file)
    every = DeliverySpec.model_validate({"pattern": "*", "files": {
        key: {"pattern": name, "format": "csv"} for key, name in members.items()}})
    drafts: dict[str, tuple[str, str, list[FieldChoice]]] = {}  # contract id -> (member key, draft, choices)
    with tempfile.TemporaryDirectory(prefix="accord-suggest-") as work:
        copies = open_delivery(file, every, Path(work), limits or Limits.from_env())
        for contract in contracts:
            tried = []
            for key, copy in copies.items():
                try:
                    text, choices = suggest_mapping(copy, contract, agency)
                except ExtractRejected:
                    continue  # a member that is not a readable table fits no contract
                tried.append((_score(choices), key, text, choices))
            if tried:
                _, key, text, choices = max(tried, key=lambda t: t[0])
                drafts[contract.id] = (key, text, choices)
    stem = re.sub(r"\d{4}[-_]?\d{2}([-_]?\d{2})?", "*", file.stem)
    lines = [f"# Draft delivery mapping suggested by accord from {file.name}. Review every TODO before use."]
    files: dict[str, Any] = {}
    targets: list[list[str]] = []
    for contract in contracts:
        if contract.id not in drafts:
            lines.append(f"# TODO: no file of the zip reads as a table for {contract.id}")
            continue
        key, text, choices = drafts[contract.id]
        document, _ = upgrade(yaml.safe_load(text))
        source = dict(document["source"])
        source["pattern"] = members[key]
        files[key] = source
        found = sum(1 for c in choices if c.lines)
        lines.append(f"# {contract.id}: drafted from {members[key]} ({found} of {len(choices)} fields found)")
        fields = document["targets"][0]["fields"]
        block = [f"  - contract: {contract.id}", f"    contract_version: {contract.major}", f"    file: {key}",
                 "    fields:"]
        for choice in choices:
            note = f"      # {choice.name}: confidence {choice.confidence}; " + "; ".join(choice.notes)
            block.append(note)
            if choice.name in fields:
                block += _indented({choice.name: fields[choice.name]}, 6)
        targets.append(block)
    unused = sorted(set(members) - set(files))
    if unused:
        lines.append(f"# files of the zip no target reads: {', '.join(members[k] for k in unused)}")
    lines += ["mapping_version: 2", f"agency: {agency}", "delivery:", f'  pattern: "{stem}{file.suffix}"',
              "  files:", *_indented(files, 4), "targets:"]
    for block in targets:
        lines += block
    return "\n".join(lines) + "\n"
