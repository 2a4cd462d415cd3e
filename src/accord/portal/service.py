"""What the portal does, without the web: check an upload, send it to the landing zone, and answer what became
of an agency's submissions. The pages and the API call these; these call what ``accord check``, the landing
sensor and the submission runs call (``check_extract``, ``accord.intake.submit``, the submission records), so
the portal has no second path into the pipeline. Every method takes the caller's ``Principal`` and answers
``not_found`` for anything of another agency."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import fields
from pathlib import Path

import polars as pl

from accord.access import Principal, TokenStore
from accord.access.sessions import SessionStore
from accord.access.tokens import now
from accord.contracts import ContractRegistry
from accord.contracts.model import Contract
from accord.errors import AccordError
from accord.intake import Limits, store_for
from accord.intake.claims import judge_name
from accord.intake.landing import submit
from accord.intake.names import agency_problem
from accord.intake.quotas import HourlyCounter, Quotas, Slots
from accord.intake.store import Submission
from accord.mapping import Mapping, MappingSet, scan_mappings
from accord.portal.problems import PortalError, not_found
from accord.portal.receipts import Receipt, Receipts
from accord.portal.status import SubmissionView, view
from accord.portal.uploads import Upload
from accord.publish.tables import AGENCIES, Table, agency_submissions
from accord.reports.check import CheckReport, check_extract, write_reports
from accord.reports.groups import ProblemGroup, problem_groups
from accord.settings import DataDirs, ProjectDirs
from accord.submission import recorded_result

CHECK_ID = re.compile(r"^ck-[0-9a-f]{32}$")
CHECKS_KEPT_SECONDS = 24 * 3600
MAX_ID = 200  # longer than any submission id: refused before the database is asked
FINISHED = ("processed", "rejected", "failed")  # the statuses a run has recorded a result for
GROUPED_ROWS = 100_000
BUSY_RETRY_SECONDS = 10


def _signature(folder: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.rglob("*.yaml")))


class Portal:
    def __init__(self, project: ProjectDirs, dirs: DataDirs, limits: Limits | None = None,
                 quotas: Quotas | None = None) -> None:
        self.project, self.dirs = project, dirs.create()
        self.limits = limits or Limits.from_env()
        self.quotas = quotas or Quotas.from_env()
        self._checks_this_hour = HourlyCounter(self.quotas.checks_per_hour)
        self.running_checks = Slots(self.quotas.parallel_checks)
        self.store = store_for(self.dirs)
        self.tokens = TokenStore(self.store.engine)
        self.sessions = SessionStore(self.tokens)
        self.receipts = Receipts(self.store.engine)
        self.work = self.dirs.work / "portal"
        self._cache: dict[str, tuple[object, object]] = {}

    # -- contracts and mappings, as they are on disk now ---------------------------------------------------
    def registry(self) -> ContractRegistry:
        signature = _signature(self.project.contracts)
        cached = self._cache.get("contracts")
        if cached is None or cached[0] != signature:
            cached = (signature, ContractRegistry.load(self.project.contracts))
            self._cache["contracts"] = cached
        return cached[1]  # type: ignore[return-value]

    def mapping_set(self) -> MappingSet:
        signature = (_signature(self.project.contracts), _signature(self.project.mappings))
        cached = self._cache.get("mappings")
        if cached is None or cached[0] != signature:
            cached = (signature, scan_mappings(self.project.mappings, self.registry()))
            self._cache["mappings"] = cached
        return cached[1]  # type: ignore[return-value]

    def agencies(self) -> list[str]:
        scan = self.mapping_set()
        return sorted({m.agency for m in scan.mappings} | set(scan.broken))

    def visible(self, principal: Principal) -> list[str]:
        """The agencies whose mappings, contracts and submissions the principal sees."""
        return self.agencies() if principal.is_operator else [principal.agency]

    def mappings_of(self, agency: str) -> list[Mapping]:
        return [m for m in self.mapping_set().mappings if m.agency == agency]

    def acting_for(self, principal: Principal, agency: str | None) -> str:
        """The agency a request acts for: the principal's own, or for an operator the one named."""
        if principal.is_operator:
            if not agency or agency_problem(agency) or agency not in self.agencies():
                raise PortalError(400, "unknown-agency", f"name one of the agencies: {', '.join(self.agencies())}")
            return agency
        if agency and agency != principal.agency:
            raise PortalError(403, "forbidden", "a token acts for its own agency only")
        return principal.agency

    def mapping_for(self, agency: str, target: str) -> Mapping:
        """The mapping of ``agency`` onto ``target`` (``person/v1``)."""
        if agency in self.mapping_set().broken:
            raise PortalError(409, "mapping-broken", self.mapping_set().problems[agency], message_fr=(
                f"un fichier de mapping de l'organisme {agency} ne se charge pas : les opérateurs doivent le corriger "
                "(détail en anglais : " + self.mapping_set().problems[agency] + ")"))
        for mapping in self.mappings_of(agency):
            if f"{mapping.contract.id}/v{mapping.contract.major}" == target:
                return mapping
        known = ", ".join(sorted(f"{m.contract.id}/v{m.contract.major}" for m in self.mappings_of(agency)))
        raise PortalError(400, "unknown-contract", f"agency {agency} has no mapping onto {target!r} (it has: "
                                                   f"{known or 'none'})",
                          message_fr=f"l'organisme {agency} n'a pas de mapping vers {target!r} (il en a vers : "
                                     f"{known or 'aucun'})")

    def _patterns(self, agency: str) -> str:
        """The file names the agency's mappings read, for a message."""
        return ", ".join(sorted({m.spec.source.pattern for m in self.mappings_of(agency)}))

    def _refused_name_fr(self, agency: str, name: str, reason: str) -> str:
        patterns = self._patterns(agency)
        if reason == "unclaimed":
            return (f"aucun mapping de l'organisme {agency} ne lit un fichier nommé {name} (noms lus : {patterns}) : "
                    "renommez le fichier comme l'un de ces noms")
        if reason == "ambiguous":
            return (f"plusieurs fichiers de mapping de l'organisme {agency} lisent {name} (noms lus : {patterns}) : "
                    "les opérateurs doivent corriger les mappings")
        return (f"le nom de fichier {name} n'est pas accepté (vide, chemin, caractère de contrôle, nom réservé ou "
                "trop long) : renommez le fichier")

    def claimed_target(self, agency: str, name: str) -> str:
        """The contract (``person/v1``) of the agency's one mapping that claims a file called ``name``, the way
        intake would take it; asked for when none or several do."""
        verdict = judge_name(agency, name, self.mappings_of(agency))
        targets = sorted({f"{m.contract.id}/v{m.contract.major}" for m in verdict.mappings})
        if len(targets) == 1:
            return targets[0]
        patterns = self._patterns(agency)
        if targets:
            listed = ", ".join(targets)
            raise PortalError(400, "choose-contract", f"{name} holds files for several contracts ({listed}): choose "
                              "the one to check", message_fr=f"{name} contient des fichiers de plusieurs contrats "
                              f"({listed}) : choisissez celui à vérifier")
        raise PortalError(400, "choose-contract", f"no mapping of {agency} reads a file called {name} (names read: "
                          f"{patterns}): choose the contract to check it against",
                          message_fr=f"aucun mapping de {agency} ne lit un fichier nommé {name} (noms lus : "
                          f"{patterns}) : choisissez le contrat auquel le comparer")

    def contract(self, target: str) -> Contract:
        contract_id, _, major = target.partition("/v")
        try:
            return self.registry().resolve(contract_id, int(major))
        except (ValueError, AccordError):
            raise not_found("contract") from None

    def targets_of(self, agency: str) -> list[str]:
        return sorted({f"{m.contract.id}/v{m.contract.major}" for m in self.mappings_of(agency)})

    # -- size limits, known before the first byte of the file ----------------------------------------------
    def _limit(self, mappings: list[Mapping], name: str) -> int:
        formats = {m.spec.source.format for m in mappings}
        limits = [self.limits.file_limit(f) for f in formats] or [self.limits.max_file_bytes]
        if name.lower().endswith(".zip"):
            limits.append(self.limits.max_file_bytes)
        return max(limits)

    def check_limit(self, agency: str, form: dict[str, str], name: str) -> int:
        """The size limit of a check's file; its agency's checks of the hour are counted here, before its bytes,
        and a check that would find every slot taken is answered busy before its file is received."""
        if self.running_checks.full():  # a hint (the slot is taken for real in ``check``)
            raise self._busy()
        wait = self._checks_this_hour.take(agency)
        if wait:
            raise PortalError(429, "quota", f"agency {agency} has made {self.quotas.checks_per_hour} checks in the "
                              f"last hour, its quota (ACCORD_QUOTA_CHECKS_PER_HOUR): retry in {wait} s",
                              retry_after=wait, message_fr=f"l'organisme {agency} a fait {self.quotas.checks_per_hour} "
                              f"vérifications dans la dernière heure, son quota : réessayez dans {wait} s")
        chosen = [m for m in self.mappings_of(agency)
                  if f"{m.contract.id}/v{m.contract.major}" == form.get("contract")] if form.get("contract") else \
            list(judge_name(agency, name, self.mappings_of(agency)).mappings)
        return self._limit(chosen or self.mappings_of(agency), name)

    def submit_limit(self, agency: str, form: dict[str, str], name: str) -> int:
        """The limit of the mapping file that will read ``name`` (``form`` is not needed: the name decides)."""
        verdict = judge_name(agency, name, self.mappings_of(agency))
        return self._limit(list(verdict.mappings) or self.mappings_of(agency), name)

    # -- check ---------------------------------------------------------------------------------------------
    def check(self, agency: str, upload: Upload) -> tuple[str, CheckReport]:
        """Check the upload against the agency's mapping onto its form's ``contract`` (``person/v1``); the report
        is kept a day under a new id (report.json, errors.csv). The upload is removed whatever happens."""
        try:
            target = upload.fields.get("contract") or self.claimed_target(agency, upload.path.name)
            mapping = self.mapping_for(agency, target)
            self._forget_old_checks()
            check_id = "ck-" + secrets.token_hex(16)
            if not self.running_checks.take():  # memory: a bounded number of checks at once
                raise self._busy()
            try:
                report, table = check_extract(upload.path, mapping)
                report.file = upload.path.name  # the name the agency sent, never a path of this server
                report.mapping = f"{mapping.agency}/{mapping.file.name}"
                write_reports(report, table, self.work / "checks" / check_id)
            finally:
                self.running_checks.release()
        finally:
            upload.discard()
        return check_id, report

    def _busy(self) -> PortalError:
        return PortalError(503, "busy", f"{self.quotas.parallel_checks} checks are running: send the file again in "
                           f"{BUSY_RETRY_SECONDS} s", retry_after=BUSY_RETRY_SECONDS,
                           message_fr=f"{self.quotas.parallel_checks} vérifications sont en cours : renvoyez le "
                                      f"fichier dans {BUSY_RETRY_SECONDS} s")

    def _forget_old_checks(self) -> None:
        folder = self.work / "checks"
        if not folder.is_dir():
            return
        for old in folder.iterdir():
            if old.stat().st_mtime < time.time() - CHECKS_KEPT_SECONDS:
                shutil.rmtree(old, ignore_errors=True)

    def _check_folder(self, principal: Principal, check_id: str) -> tuple[Path, CheckReport]:
        folder = self.work / "checks" / check_id
        if not CHECK_ID.match(check_id) or not (folder / "report.json").is_file():
            raise not_found("check")
        record = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        report = CheckReport(**{f.name: record[f.name] for f in fields(CheckReport) if f.name in record})
        if not principal.may_see(report.agency):
            raise not_found("check")
        return folder, report

    def load_check(self, principal: Principal, check_id: str) -> CheckReport:
        return self._check_folder(principal, check_id)[1]

    def check_errors_csv(self, principal: Principal, check_id: str) -> Path:
        return self._check_folder(principal, check_id)[0] / "errors.csv"

    # -- submit --------------------------------------------------------------------------------------------
    def submit(self, principal: Principal, agency: str, upload: Upload) -> Receipt:
        """Into ``landing/<agency>/`` through ``accord.intake.submit``, after the question pickup will ask (does
        one mapping file claim this name?): a file no mapping reads is refused now, not after a pickup."""
        try:
            if agency in self.mapping_set().broken:
                raise PortalError(409, "mapping-broken", self.mapping_set().problems[agency])
            verdict = judge_name(agency, upload.path.name, self.mappings_of(agency))
            if verdict.reason:
                raise PortalError(400, verdict.reason, verdict.detail, message_fr=self._refused_name_fr(
                    agency, upload.path.name, verdict.reason))
            sent_at = now()  # before the landing file is written: its time becomes the record's received_at
            over = self.quotas.sending_problem(self.store, agency, sent_at[:10], upload.size)
            if over is not None:
                raise PortalError(429, "quota", over, message_fr=f"l'organisme {agency} a atteint son quota d'envois "
                                  "du jour (nombre de fichiers ou d'octets) : réessayez demain, ou demandez aux "
                                  "opérateurs de le relever")
            with upload.path.open("rb") as source:
                try:
                    submit(self.dirs, agency, upload.path.name, source,
                           limit=self.submit_limit(agency, upload.fields, upload.path.name))
                except AccordError as exc:
                    raise PortalError(409, "already-waiting", exc.message, message_fr=(
                        f"un fichier nommé {upload.path.name} attend déjà d'être traité : attendez qu'il le soit "
                        "avant d'en envoyer un autre du même nom")) from None
            return self.receipts.add(agency, upload.path.name, upload.sha256, upload.size, principal.token_id,
                                     sent_at)
        finally:
            upload.discard()

    # -- what became of submissions ------------------------------------------------------------------------
    def _views(self, records: list[Submission]) -> list[SubmissionView]:
        published: dict[tuple[str, str], set[str]] = {}  # (target, agency) -> the submissions its partition holds
        views = []
        for record in records:
            result = recorded_result(self.dirs, record.submission_id) if record.status in FINISHED else None
            held: set[str] = set()
            if result is not None and record.status == "processed":
                key = (record.target, record.agency)
                if key not in published:
                    published[key] = agency_submissions(Table(self.dirs, self.contract(record.target), AGENCIES),
                                                        record.agency)
                held = published[key]
            views.append(view(record, result, record.submission_id in held))
        return views

    def _record(self, principal: Principal, submission_id: str) -> Submission:
        """The principal's submission ``submission_id`` (an intent is nobody's yet)."""
        record = self.store.find(submission_id) if len(submission_id) <= MAX_ID else None
        if record is None or not principal.may_see(record.agency) or record.status == "receiving":
            raise not_found("submission")
        return record

    def submissions(self, principal: Principal, agency: str | None = None, limit: int = 200) -> list[SubmissionView]:
        """The latest ``limit`` submissions the principal may see (of ``agency`` only, if given), newest first."""
        if agency is not None and not principal.may_see(agency):
            raise not_found("agency")
        wanted = agency or (None if principal.is_operator else principal.agency)
        return self._views(self.store.newest(wanted, limit))

    def submission(self, principal: Principal, submission_id: str) -> SubmissionView:
        return self._views([self._record(principal, submission_id)])[0]

    def upload(self, principal: Principal, upload_id: str) -> tuple[Receipt, list[SubmissionView]]:
        """A receipt, and the submissions its file became (none yet: still waiting for a pickup)."""
        receipt = self.receipts.get(upload_id)
        if receipt is None or not principal.may_see(receipt.agency):
            raise not_found("upload")
        records = [r for r in self.store.of_content(receipt.agency, receipt.sha256)
                   if r.file_name == receipt.file_name and r.received_at >= receipt.submitted_at]
        return receipt, self._views(records)

    def submission_groups(self, principal: Principal, submission_id: str) -> list[ProblemGroup]:
        """The problems of a processed submission, grouped as in a check's report, from its errors.csv (the
        first ``GROUPED_ROWS`` problems: the file itself has them all)."""
        record = self._record(principal, submission_id)
        with self.dirs.storage.open_read(self._errors_key(record)) as handle:
            errors = pl.read_csv(handle, infer_schema=False, n_rows=GROUPED_ROWS).to_dicts()
        return problem_groups(errors, self.contract(record.target).examples)

    def errors_csv_key(self, principal: Principal, submission_id: str) -> str:
        """The storage key of a submission's errors.csv (spreadsheet-safe, written by the run)."""
        return self._errors_key(self._record(principal, submission_id))

    def _errors_key(self, record: Submission) -> str:
        result = recorded_result(self.dirs, record.submission_id)
        if result is None or not result.errors_csv:
            raise PortalError(404, "no-errors", message_fr=f"l'envoi {record.submission_id} n'a pas d'errors.csv : "
                              "aucune ligne n'a été mise de côté",
                              message=f"submission {record.submission_id} has no errors.csv: no row was set aside")
        return self.dirs.storage.key(result.errors_csv)
