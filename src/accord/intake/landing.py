"""The landing-zone lifecycle.

``landing/<agency>/<file>`` -> on pickup: SHA-256, moved to ``archive/<agency>/<date>/<sha256>-<file>``
(read-only), and a submission record. The same bytes sent again by the same agency are recorded as a
``duplicate`` and not processed. Unsafe entries (symbolic links, bad agency ids or file names, files no
mapping claims) are recorded as ``rejected`` and moved to ``archive/_rejected/``; links are removed, never
followed. An agency's files only ever feed that agency's mappings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import uuid
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from accord.checksums import file_sha256
from accord.errors import AccordError
from accord.intake.limits import Limits
from accord.intake.names import agency_problem, file_name_problem
from accord.intake.store import Submission, SubmissionStore
from accord.mapping import Mapping
from accord.settings import DataDirs

UPLOADING = ".upload-"


@dataclass
class Pickup:
    accepted: list[Submission] = field(default_factory=list)
    duplicates: list[Submission] = field(default_factory=list)
    rejected: list[Submission] = field(default_factory=list)


def store_for(dirs: DataDirs) -> SubmissionStore:
    return SubmissionStore(dirs.archive / "submissions.db")


def _received(file: Path) -> str:
    return dt.datetime.fromtimestamp(int(file.lstat().st_mtime), dt.UTC).isoformat()


def contract_key(mapping: Mapping) -> str:
    return f"{mapping.contract.id}/v{mapping.contract.major}"


def matching_mappings(agency: str, name: str, mappings: list[Mapping]) -> list[Mapping]:
    return [m for m in mappings if m.agency == agency and fnmatchcase(name, m.spec.source.pattern)]


class Intake:
    def __init__(self, dirs: DataDirs, mappings: list[Mapping], limits: Limits | None = None) -> None:
        self.dirs = dirs.create()
        self.mappings = mappings
        self.limits = limits or Limits.from_env()
        self.store = store_for(dirs)
        self.agencies = {m.agency for m in mappings}

    def _reject(self, entry: Path, agency: str, reason: str, result: Pickup) -> None:
        """Record a refused landing entry and take it out of the landing zone (links are removed, not followed)."""
        size = 0 if entry.is_symlink() or not entry.is_file() else entry.stat().st_size
        submission = Submission(
            submission_id=f"{agency or '_'}-rejected-{uuid.uuid4().hex[:12]}", agency=agency or "_", contract=None,
            file_name=entry.name, sha256="", size=size, received_at=_received(entry), archived_path=None,
            status="rejected", detail=reason)
        if entry.is_symlink():
            entry.unlink()
        else:
            target = self.dirs.archive / "_rejected" / dt.date.today().isoformat() / submission.submission_id
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(entry, target)
            submission = dataclasses.replace(submission, archived_path=str(target))
        result.rejected.append(self.store.add(submission))

    def pickup(self, agency: str | None = None, only: Mapping | None = None) -> Pickup:
        """Take every file out of the landing zone (or one agency's folder, or only the files one mapping
        reads) and record it."""
        result = Pickup()
        if not self.dirs.landing.is_dir():
            return result
        for entry in sorted(self.dirs.landing.iterdir()):
            if agency is not None and entry.name != agency:
                continue
            if entry.is_symlink():
                self._reject(entry, "", f"landing entry {entry.name!r} is a symbolic link: not followed", result)
            elif not entry.is_dir():
                self._reject(entry, "", f"{entry.name!r} is not inside an agency folder", result)
            elif problem := agency_problem(entry.name):
                self._reject(entry, "", problem, result)
            elif entry.name not in self.agencies:
                self._reject(entry, "", f"no mapping is declared for agency {entry.name!r}", result)
            else:
                for file in sorted(entry.iterdir()):
                    if file.name.startswith(UPLOADING):  # an upload still being written by ``submit``
                        continue
                    if only is None or fnmatchcase(file.name, only.spec.source.pattern):
                        self._pickup_file(entry.name, file, result)
        return result

    def _pickup_file(self, agency: str, file: Path, result: Pickup) -> None:
        if file.is_symlink():
            return self._reject(file, agency, f"{file.name!r} is a symbolic link: not followed", result)
        if not file.is_file():
            return self._reject(file, agency, f"{file.name!r} is not a regular file", result)
        if problem := file_name_problem(file.name):
            return self._reject(file, agency, problem, result)
        candidates = matching_mappings(agency, file.name, self.mappings)
        if len(candidates) != 1:
            patterns = ", ".join(m.spec.source.pattern for m in self.mappings if m.agency == agency)
            why = "no mapping" if not candidates else f"{len(candidates)} mappings"
            return self._reject(file, agency, f"{why} of agency {agency!r} matches {file.name!r} "
                                f"(patterns: {patterns})", result)
        mapping = candidates[0]
        limit = self.limits.file_limit(mapping.spec.source.format)
        if file.stat().st_size > limit:
            return self._reject(file, agency, f"file is {file.stat().st_size} bytes, above the limit of {limit}",
                                result)
        sha = file_sha256(file)
        received = _received(file)
        size = file.stat().st_size
        original = self.store.original(agency, sha)
        if original is not None:
            file.unlink()
            duplicate = Submission(
                submission_id=f"{agency}-{sha[:16]}-dup-{uuid.uuid4().hex[:8]}", agency=agency,
                contract=contract_key(mapping), file_name=file.name, sha256=sha, size=size,
                received_at=received, archived_path=original.archived_path, status="duplicate",
                detail=f"same bytes as submission {original.submission_id} ({original.file_name})",
                duplicate_of=original.submission_id)
            result.duplicates.append(self.store.add(duplicate))
            return None
        target = self.dirs.archive / agency / received[:10] / f"{sha}-{file.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(file, target)
        os.chmod(target, 0o444)
        accepted = Submission(
            submission_id=f"{agency}-{sha[:16]}", agency=agency, contract=contract_key(mapping),
            file_name=file.name, sha256=sha, size=size, received_at=received, archived_path=str(target),
            status="received")
        result.accepted.append(self.store.add(accepted))
        return None

    def mapping_for(self, submission: Submission) -> Mapping:
        found = [m for m in matching_mappings(submission.agency, submission.file_name, self.mappings)
                 if contract_key(m) == submission.contract]
        if len(found) != 1:
            raise AccordError(f"no mapping for submission {submission.submission_id} ({submission.contract})")
        return found[0]


def submit(dirs: DataDirs, agency: str, name: str, data: bytes) -> Path:
    """Put an extract into the landing zone (the upload entry point): the agency id and file name are
    checked first, so a hostile name such as ``../../etc/passwd.csv`` never becomes a path."""
    problem = agency_problem(agency) or file_name_problem(name)
    if problem:
        raise AccordError(problem, path=name)
    folder = dirs.landing / agency
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f"{UPLOADING}{uuid.uuid4().hex}"
    temporary.write_bytes(data)
    target = folder / name
    os.replace(temporary, target)
    return target
