"""Deliveries: a zip of related files, checked before anything is unpacked.

The archive is refused when it expands too much (in total or by ratio) or holds too many entries; each file
the mapping declares must match exactly one member (by the member's base name: folders inside the zip are
ignored, and no member name ever becomes a path); members are copied out, at most the declared total, into
the work folder under names accord chooses.
"""

from __future__ import annotations

import zipfile
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from accord.errors import ExtractRejected
from accord.intake.limits import Limits
from accord.mapping.spec import DeliverySpec
from accord.readers.containers import damaged_zip, is_zip, refuse_encrypted

_COPY_CHUNK = 1 << 20


def _member_names(archive: zipfile.ZipFile, delivery: DeliverySpec, file: Path) -> dict[str, zipfile.ZipInfo]:
    members = [e for e in archive.infolist() if not e.is_dir()]
    chosen = {}
    for name, source in delivery.files.items():
        found = [e for e in members if fnmatchcase(PurePosixPath(e.filename).name, source.pattern)]
        if len(found) != 1:
            listed = ", ".join(sorted(PurePosixPath(e.filename).name for e in members)[:20])
            raise ExtractRejected(f"the delivery must hold one file matching {source.pattern!r} ({name}), found "
                                  f"{len(found)} (it holds: {listed or 'nothing'})", reason="delivery", file=file)
        chosen[name] = found[0]
    return chosen


def open_delivery(file: Path, delivery: DeliverySpec, work: Path, limits: Limits) -> dict[str, Path]:
    """The delivery's files, unpacked into ``work``: declared name -> its copy."""
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile:
        if is_zip(file):  # a zip's first bytes, but no readable directory: cut short or damaged
            raise ExtractRejected("the delivery is damaged or truncated (its zip directory cannot be read): make "
                                  "it again and send the new file", reason="corrupt-archive", file=file) from None
        raise ExtractRejected("not a zip file: a delivery is a zip of the files the mapping declares",
                              reason="format", file=file) from None
    with archive, damaged_zip(file, "the delivery"):
        entries = archive.infolist()
        if len(entries) > limits.max_zip_entries:
            raise ExtractRejected(f"the delivery holds {len(entries)} entries, above the limit of "
                                  f"{limits.max_zip_entries}", reason="decompression-bomb", file=file)
        chosen = _member_names(archive, delivery, file)
        refuse_encrypted(chosen.values(), file, "the delivery's")
        unzipped = sum(e.file_size for e in chosen.values())
        packed = max(1, sum(e.compress_size for e in chosen.values()))
        if unzipped > limits.max_unzipped_bytes or unzipped / packed > limits.max_zip_ratio:
            raise ExtractRejected(f"the delivery expands from {packed} to {unzipped} bytes (ratio "
                                  f"{unzipped // packed}, limit {limits.max_zip_ratio}): refused as a zip bomb",
                                  reason="decompression-bomb", file=file)
        work.mkdir(parents=True, exist_ok=True)
        return {name: _copy_member(archive, entry, work / f"member-{n}{PurePosixPath(entry.filename).suffix[:10]}",
                                   file)
                for n, (name, entry) in enumerate(chosen.items())}


def _copy_member(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, target: Path, file: Path) -> Path:
    """Copy one member out, at most the size the archive declares for it; a member that holds more or fewer
    bytes than it declares is refused (zipfile checks the CRC at the member's end)."""
    name = PurePosixPath(entry.filename).name
    copied = 0
    with archive.open(entry) as source, target.open("wb") as sink:
        while chunk := source.read(_COPY_CHUNK):
            copied += len(chunk)
            if copied > entry.file_size:
                raise ExtractRejected(f"member {name!r} holds more than the archive declares",
                                      reason="decompression-bomb", file=file)
            sink.write(chunk)
    if copied != entry.file_size:
        raise ExtractRejected(f"member {name!r} holds {copied} bytes where the archive declares {entry.file_size}: "
                              "the archive is damaged", reason="corrupt-archive", file=file)
    return target
