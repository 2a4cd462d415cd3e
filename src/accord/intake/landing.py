"""The landing-zone lifecycle: ``landing/<agency>/<file>`` -> archive + submission record.

One pickup at a time per data directory (a lock). For each landing entry, on its own (whatever happens to one
entry is recorded on that entry and never stops the others):

1. the entry is judged by its name and kind: agency folder, file name, one mapping of that agency claiming it;
2. an intent is recorded (``receiving``), the file is opened once and copied from its descriptor into a new
   private file in the archive, hashed on the way (``accord.intake.local_zone``, ``object_zone``);
3. the copy gets its final name, ``archive/<agency>/<date>/<sha256>-<file>`` (read-only), or
   ``archive/_refused/<date>/<id>`` for a refused file kept as evidence;
4. the intent becomes the record: ``received``, ``duplicate`` (same bytes as an earlier submission of the
   agency: not processed again) or ``refused`` (with a reason code);
5. the landing entry is removed, if its name still holds the same file.

A pickup killed between any two steps is finished or undone by the next one (``_recover``): the result is the
same as if it had not been killed. An agency's files only ever feed that agency's mappings.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import IO

from accord import faults
from accord.errors import AccordError
from accord.intake.archive import Archive
from accord.intake.claims import Verdict, judge_name, matching_mappings
from accord.intake.limits import Limits
from accord.intake.local_zone import LocalLanding
from accord.intake.names import agency_problem, file_name_problem
from accord.intake.quotas import Quotas
from accord.intake.store import Submission, SubmissionStore
from accord.intake.zone import Copied, Entry, EntryChanged, EntryRefused, Identity, LandingZone, display_name
from accord.mapping import Mapping
from accord.mapping.loader import HeldTarget
from accord.settings import LANDING, DataDirs
from accord.storage.private import private_dir

log = logging.getLogger("accord.intake")
KEEP = "keep:"  # landing_entry of a record whose entry is left in place (never removed by accord)
TOP = "_"  # the agency of a record for an entry that is not inside a valid agency folder
REFUSED = "_refused"


@dataclass
class Pickup:
    accepted: list[Submission] = field(default_factory=list)
    duplicates: list[Submission] = field(default_factory=list)
    refused: list[Submission] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # entries still being written: for the next pickup


_STORES: dict[tuple[int, str], SubmissionStore] = {}


def store_for(dirs: DataDirs) -> SubmissionStore:
    """The submission store of a data directory: PostgreSQL when ``$ACCORD_DATABASE_URL`` is set, else SQLite
    in its archive (one per process: it holds a connection pool)."""
    where = dirs.database_url or dirs.url
    key = (os.getpid(), where)
    if key not in _STORES:
        if dirs.database_url:
            _STORES[key] = SubmissionStore.postgresql(dirs.database_url)
        elif dirs.is_local:
            _STORES[key] = SubmissionStore.sqlite(dirs.archive / "submissions.db")
        else:
            raise AccordError(f"the data directory {dirs.url} is on an object store: set $ACCORD_DATABASE_URL "
                              "(PostgreSQL), so that every worker shares the submission records and locks")
    return _STORES[key]


def landing_zone(dirs: DataDirs) -> LandingZone:
    local = dirs.storage.local_path(LANDING)
    if local is not None:
        return LocalLanding(local)
    from accord.intake.object_zone import ObjectLanding
    from accord.storage.objects import ObjectStorage

    if not isinstance(dirs.storage, ObjectStorage):
        raise AccordError(f"no landing zone for {dirs.url}")
    return ObjectLanding(dirs.storage, LANDING)


def contract_key(mapping: Mapping) -> str:
    return f"{mapping.contract.id}/v{mapping.contract.major}"


def _location(record: Submission) -> tuple[str | None, str]:
    """The landing folder and name a record's entry came from."""
    if record.agency != TOP:
        return record.agency, record.file_name
    folder, _, name = record.file_name.rpartition("/")
    return folder or None, name


class Intake:
    def __init__(self, dirs: DataDirs, mappings: list[Mapping], limits: Limits | None = None,
                 store: SubmissionStore | None = None, broken: dict[str, str] | None = None,
                 quotas: Quotas | None = None, ended: Sequence[HeldTarget] = ()) -> None:
        """``broken``: agency -> why its mappings do not load; that agency's files wait in the landing zone
        (refusing them would throw its deliveries away for a mistake in its mapping). ``ended``: mapping targets
        onto versions no longer produced; a file only they claim is refused, naming the end."""
        self.dirs = dirs.create()
        self.mappings = mappings
        self.broken = broken or {}
        self.ended = ended
        self.limits = limits or Limits.from_env()
        self.quotas = quotas or Quotas.from_env()
        self.store = store or store_for(dirs)
        self.landing = landing_zone(dirs)
        self.archive = Archive(dirs)
        self.agencies = {m.agency for m in mappings}

    # -- pickup -------------------------------------------------------------------------------------------
    def pickup(self, agency: str | None = None, only: Mapping | None = None) -> Pickup:
        """Take every entry out of the landing zone (or one agency's folder, or only the files one mapping
        reads) and record it."""
        result = Pickup()
        with self.store.locks.hold("pickup"):
            self._recover()
            try:
                top = self.landing.entries()
            except FileNotFoundError:  # no landing zone yet
                return result
            for entry in top:
                if agency is None or entry.name == agency:
                    self._isolated(entry, result, functools.partial(self._top, entry, result, only))
        return result

    def _isolated(self, entry: Entry, result: Pickup, step: Callable[[], None]) -> None:
        """Run ``step``; an unexpected failure is recorded on ``entry`` and the pickup goes on."""
        try:
            step()
        except Exception as exc:
            log.exception("pickup of %s failed", entry.display)
            with contextlib.suppress(Exception):  # the record itself may be what fails (a broken database)
                self._refuse(entry, entry.folder or TOP, "internal-error",
                             f"accord could not take this entry in ({type(exc).__name__}: {exc})", result,
                             remove=False)

    def _top(self, entry: Entry, result: Pickup, only: Mapping | None) -> None:
        if entry.kind == "link":
            return self._refuse(entry, TOP, "symlink", f"landing entry {entry.display!r} is a symbolic link: "
                                "not followed", result)
        if entry.kind != "dir":
            return self._judged(entry, Verdict(TOP, reason="not-in-agency-folder",
                                                detail=f"{entry.display!r} is not inside an agency folder"), result)
        if entry.name in self.broken:
            log.warning("files of %s wait: its mapping does not load (%s)", entry.name, self.broken[entry.name])
            result.waiting.append(f"{entry.name}/: {self.broken[entry.name]}")
            return None
        bad_id = agency_problem(entry.name)
        problem = bad_id or (f"no mapping is declared for agency {entry.name!r}"
                             if entry.name not in self.agencies | {h.agency for h in self.ended} else None)
        try:
            files = self.landing.entries(entry.name)
        except EntryRefused as exc:  # swapped for something else since it was listed
            return self._refuse(entry, TOP, exc.reason, exc.message, result, remove=False)
        if bad_id is not None and not files and not self._known(entry):  # said once, and left in place
            self._refuse(entry, TOP, "unknown-agency", bad_id, result, remove=False)
        for file in files:
            if only is None or fnmatchcase(file.name, only.spec.source.pattern):
                self._isolated(file, result, functools.partial(self._file, entry.name, file, problem, result))
        return None

    def _known(self, entry: Entry) -> bool:
        """A refusal of this very entry (same name and identity) is on record and the entry is still there."""
        marks = (str(entry.identity), f"{KEEP}{entry.identity}")
        return any(r.landing_entry in marks and _location(r) == (entry.folder, entry.display)
                   for r in self.store.unfinished_landing())

    def _file(self, folder: str, entry: Entry, folder_problem: str | None, result: Pickup) -> None:
        agency = folder if agency_problem(folder) is None else TOP
        if self._known(entry):
            return None
        if entry.kind == "link":
            return self._refuse(entry, agency, "symlink", f"{entry.display!r} is a symbolic link: not followed",
                                result)
        if entry.kind != "file":
            return self._refuse(entry, agency, "not-a-file", f"{entry.display!r} is not a regular file", result,
                                remove=entry.kind != "dir")
        if folder_problem is not None:
            return self._judged(entry, Verdict(agency, reason="unknown-agency", detail=folder_problem), result)
        verdict = judge_name(agency, entry.name, self.mappings, self.ended)
        over = self.quotas.sending_problem(self.store, agency, entry.received_at[:10], entry.identity.size) \
            if verdict.mappings else None
        if over is not None:  # refused without a copy: keeping evidence would spend the volume the quota bounds
            return self._refuse(entry, agency, "quota", over, result)
        return self._judged(entry, verdict, result)

    def _judged(self, entry: Entry, verdict: Verdict, result: Pickup) -> None:
        """Copy a regular file into the archive under an intent, then record what it is."""
        accepted = bool(verdict.mappings)
        limit = self.limits.file_limit(verdict.mappings[0].spec.source.format) if accepted else \
            self.limits.max_file_bytes
        token = uuid.uuid4().hex[:16]
        folder = f"{verdict.agency if accepted else REFUSED}/{entry.received_at[:10]}"
        temporary = self.archive.temporary(folder, token)
        refused_id = f"{verdict.agency}-refused-{token}"
        evidence = self.archive.uri(f"{folder}/{refused_id}")
        intent = self.store.add(Submission(
            submission_id=f"intent-{token}", agency=verdict.agency, contract=None,
            file_name=self._record_name(entry, verdict.agency), sha256="", size=entry.identity.size,
            received_at=entry.received_at, archived_path=str(temporary), status="receiving",
            detail="" if accepted else evidence, landing_entry=str(entry.identity)))
        faults.point("pickup.after-intent")
        try:
            copied, identity = self.landing.copy(entry, limit, temporary)
        except EntryChanged as exc:
            self.store.delete(intent.submission_id)
            result.waiting.append(f"{entry.folder}/{entry.display}")
            log.info("%s/%s is changing (%s): left for the next pickup", entry.folder, entry.display, exc)
            return
        except EntryRefused as exc:
            self.store.delete(intent.submission_id)
            reason, detail = (exc.reason, exc.message) if accepted else (
                verdict.reason, f"{verdict.detail} (not kept: {exc.message})")
            return self._refuse(entry, verdict.agency, reason, detail, result, remove=exc.removable)
        faults.point("pickup.after-copy")
        others: list[Submission] = []  # the records of a mapping file's other targets
        if accepted:
            final, *others = self._accept(intent, copied, folder, verdict.agency, verdict.mappings)
        else:
            self.archive.settle(copied, f"{folder}/{refused_id}")
            faults.point("pickup.after-archive")
            final = self.store.replace(intent.submission_id, replace(
                intent, submission_id=refused_id, sha256=copied.sha256, archived_path=evidence,
                status="refused", reason=verdict.reason, detail=verdict.detail))
        faults.point("pickup.after-record")
        final = self._finish(entry, final, identity)
        for record in (final, *others):
            {"received": result.accepted, "duplicate": result.duplicates}.get(record.status,
                                                                             result.refused).append(record)

    def _accept(self, intent: Submission, copied: Copied, folder: str, agency: str,
                mappings: tuple[Mapping, ...]) -> list[Submission]:
        """One record per target: received, or duplicate when the agency sent the same bytes for that target
        before. The archived copy is shared. Records of the other targets are written before the intent
        becomes the first target's record, so a pickup killed in between leaves the intent to undo."""
        sha = copied.sha256
        several = len(mappings) > 1
        originals = [self.store.original(agency, sha, contract_key(m)) for m in mappings]
        target = None
        if any(o is None for o in originals):
            target = self.archive.settle(copied, f"{folder}/{sha}-{intent.file_name}")
        else:
            copied.path.unlink()
        faults.point("pickup.after-archive")
        records: list[Submission] = []
        for mapping, original in zip(mappings, originals, strict=True):
            suffix = f"-{mapping.contract.id}-v{mapping.contract.major}" if several else ""
            common = replace(intent, contract=contract_key(mapping), sha256=sha, size=copied.size, detail="",
                             landing_entry=intent.landing_entry if not records else None)
            if original is not None:
                records.append(replace(
                    common, submission_id=f"{agency}-{sha[:16]}{suffix}-dup-{intent.submission_id[-8:]}",
                    archived_path=original.archived_path, status="duplicate",
                    detail=f"same bytes as submission {original.submission_id} ({original.file_name})",
                    duplicate_of=original.submission_id))
            else:
                records.append(replace(common, submission_id=f"{agency}-{sha[:16]}{suffix}", archived_path=target,
                                       status="received"))
        added = [self.store.add(extra) for extra in records[1:]]
        return [self.store.replace(intent.submission_id, records[0]), *added]

    def _refuse(self, entry: Entry, agency: str, reason: str, detail: str, result: Pickup, *,
                remove: bool = True) -> None:
        """Record a refusal without keeping the entry (links, folders, special files, files over a limit)."""
        refusal = self.store.add(Submission(
            submission_id=f"{agency}-refused-{uuid.uuid4().hex[:16]}", agency=agency, contract=None,
            file_name=self._record_name(entry, agency), sha256="", size=entry.identity.size,
            received_at=entry.received_at, archived_path=None, status="refused", reason=reason,
            detail=detail, landing_entry=str(entry.identity) if remove else f"{KEEP}{entry.identity}"))
        faults.point("pickup.after-record")
        result.refused.append(self._finish(entry, refusal, entry.identity) if remove else refusal)

    def _finish(self, entry: Entry, record: Submission, identity: Identity) -> Submission:
        """Remove the landing entry (if its name still holds what was read) and say so on the record."""
        self.landing.remove(entry, identity)
        faults.point("pickup.after-remove")
        return self.store.update(record.submission_id, landing_entry=None)

    @staticmethod
    def _record_name(entry: Entry, agency: str) -> str:
        if agency == TOP and entry.folder is not None:
            return f"{display_name(entry.folder)}/{entry.display}"
        return entry.display

    def _recover(self) -> None:
        """Finish or undo what a killed pickup left: intents are undone (their entry is picked up again),
        records whose landing entry is still there get it removed."""
        for intent in self.store.with_status("receiving"):
            for leftover in (intent.archived_path, intent.detail):
                if leftover:
                    self.archive.discard(leftover)
            self.store.delete(intent.submission_id)
        for record in self.store.unfinished_landing():
            folder, name = _location(record)
            gone = not self._remove_recorded(folder, name, record)
            if gone:
                self.store.update(record.submission_id, landing_entry=None)

    def _remove_recorded(self, folder: str | None, name: str, record: Submission) -> bool:
        """Remove a recorded entry that is still there; True when it stays (an entry refused in place)."""
        try:
            current = next((e for e in self.landing.entries(folder) if e.display == name), None)
        except (EntryRefused, FileNotFoundError):
            return False
        mark = record.landing_entry or ""
        if current is None or str(current.identity) != mark.removeprefix(KEEP):
            return False
        if mark.startswith(KEEP):
            return True
        self.landing.remove(current)
        return False

    def mapping_for(self, submission: Submission) -> Mapping:
        found = [m for m in matching_mappings(submission.agency, submission.file_name, self.mappings)
                 if contract_key(m) == submission.contract]
        if len(found) != 1:
            raise AccordError(f"no mapping for submission {submission.submission_id} ({submission.contract})")
        return found[0]


def submit(dirs: DataDirs, agency: str, name: str, source: bytes | IO[bytes], limit: int | None = None) -> str:
    """Put an extract into the landing zone (the upload entry point); return its URI. The agency id and file
    name are checked first, so a hostile name such as ``../../etc/passwd.csv`` never becomes a path; the bytes
    are streamed to a private local file (at most ``limit`` of them) and stored whole, so a pickup never sees
    half an upload."""
    problem = agency_problem(agency) or file_name_problem(name)
    if problem:
        raise AccordError(problem, path=name)
    key = f"{LANDING}/{agency}/{name}"
    if dirs.storage.exists(key):
        raise AccordError(f"a file named {name!r} is already waiting in the landing zone of {agency}", path=name)
    incoming = private_dir(dirs.work / "uploads")
    temporary = incoming / f"upload-{uuid.uuid4().hex}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        written = 0
        chunks = [source] if isinstance(source, bytes) else iter(lambda: source.read(1 << 20), b"")
        for chunk in chunks:
            written += len(chunk)
            if limit is not None and written > limit:
                raise AccordError(f"the file is larger than the limit of {limit} bytes", path=name)
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
        os.fsync(fd)
        os.fchmod(fd, 0o640)
    except BaseException:
        os.close(fd)
        temporary.unlink(missing_ok=True)
        raise
    os.close(fd)
    try:
        return dirs.storage.put_file(temporary, key, move=True)
    finally:
        temporary.unlink(missing_ok=True)
