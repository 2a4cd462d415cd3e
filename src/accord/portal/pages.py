"""The pages an agency analyst uses: sign in, check and send a file, follow it, read its report, see the
mappings and contracts. Server-rendered HTML and plain forms (no script); every form carries the session's CSRF
value; every id in a URL is looked up for the signed-in agency only."""

from __future__ import annotations

import json
import re
import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from accord.access.sessions import Session
from accord.contracts.docs import render as render_contract
from accord.errors import AccordError, ExtractRejected
from accord.mapping.draft_view import DraftView, draft_view
from accord.portal.deps import address, https, lang, limiter_key, page, session, signin_forms, state
from accord.portal.problems import PortalError, not_found
from accord.portal.security import LANG_COOKIE, SESSION_COOKIE, SIGNIN_COOKIE, STANDALONE_HEADER, cookie_flags, same
from accord.portal.status import LABELS, overall
from accord.portal.transfer import csv_download, file_download, upload_form
from accord.reports.groups import chart_data
from accord.reports.render import MAX_GROUPS, PAGE_SIZE, report_context
from accord.storage.private import private_dir

router = APIRouter(include_in_schema=False)
SUGGESTION_ID = re.compile(r"^sg-[0-9a-f]{24}$")
REFRESH_SECONDS = 2


class SignInNeeded(Exception):
    """No valid session: the page answers with the sign-in page."""


def signed_in(request: Request) -> Session:
    current = session(request)
    if current is None:
        raise SignInNeeded
    return current


Signed = Annotated[Session, Depends(signed_in)]


def from_this_session(current: Session, csrf: str) -> None:
    """A form posted by a page of this session (its CSRF token), or 403."""
    if not same(current.csrf, csrf):
        raise PortalError(403, "csrf", "the form is not from this session: reload the page")


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _local(target: str) -> str:
    """Only a path of this site (never ``//host`` or a scheme): where a language switch may send back to."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


# -- sign in and out, language ---------------------------------------------------------------------------------
@router.get("/signin")
def signin_page(request: Request, failed: str = "",
                wait: Annotated[int, Query(ge=0, le=86_400)] = 0,
                next: Annotated[str, Query(max_length=2000)] = "/") -> Response:
    cookie, value = signin_forms(request).new()
    response = page(request, "signin.html.j2", None, status_code=429 if wait else 200, csrf=value,
                    failed=bool(failed), wait=wait, next=_local(next))
    response.set_cookie(SIGNIN_COOKIE, cookie, max_age=900, **cookie_flags(https(request)))
    return response


@router.post("/signin")
def signin(request: Request, token: Annotated[str, Form(max_length=200)] = "",
           csrf: Annotated[str, Form(max_length=100)] = "",
           next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    """Sign in, then go where the browser was sent from (``next``: a path of this site only)."""
    current, where = state(request), address(request)
    if not signin_forms(request).valid(request.cookies.get(SIGNIN_COOKIE), csrf):
        current.limiter.failed(where)  # every sign-in attempt counts, whatever it carries
        raise PortalError(403, "csrf", "the sign-in form is not from this browser session: reload it")
    key = limiter_key(request, token.strip())
    wait = current.limiter.retry_after(where, key)
    if wait:
        return _see_other(f"/signin?wait={wait}")
    principal = current.portal.tokens.verify(token.strip())
    if principal is None:
        current.limiter.failed(where, key)
        back = _local(next)
        return _see_other("/signin?failed=1" + (f"&next={quote(back, safe='')}" if back != "/" else ""))
    response = _see_other(_local(next))
    response.set_cookie(SESSION_COOKIE, current.portal.sessions.start(principal),
                        max_age=int(current.portal.sessions.hours * 3600), **cookie_flags(https(request)))
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return response


@router.post("/signout")
def signout(request: Request, current: Signed, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    from_this_session(current, csrf)
    state(request).portal.sessions.end(request.cookies.get(SESSION_COOKIE, ""))
    response = _see_other("/signin")
    response.delete_cookie(SESSION_COOKIE, path="/", **{k: v for k, v in cookie_flags(https(request)).items()
                                                         if k != "path"})
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "/") -> Response:
    response = _see_other(_local(next))
    if code in ("en", "fr"):
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="strict", path="/",
                            secure=https(request))
    return response


# -- check and send ----------------------------------------------------------------------------------------
def _targets(request: Request, current: Session) -> dict[str, list[str]]:
    portal = state(request).portal
    return {agency: portal.targets_of(agency) for agency in portal.visible(current.principal)}


@router.get("/")
def home(request: Request, current: Signed) -> Response:
    portal = state(request).portal
    targets = _targets(request, current)
    patterns = {agency: sorted({m.spec.source.pattern for m in portal.mappings_of(agency)}) for agency in targets}
    return page(request, "home.html.j2", current, targets=targets, patterns=patterns)


@router.post("/checks")
async def check(request: Request, current: Signed) -> Response:
    portal = state(request).portal
    agency, upload = await upload_form(request, current.principal, portal.check_limit, csrf=current.csrf)
    check_id, _ = await run_in_threadpool(portal.check, agency, upload)
    return _see_other(f"/checks/{check_id}")


@router.get("/checks/{check_id}")
def check_report(request: Request, check_id: str, current: Signed) -> Response:
    report = state(request).portal.load_check(current.principal, check_id)
    context = report_context(report, lang(request), errors_csv=f"/checks/{check_id}/errors.csv",
                             group=lambda number, page_number: f"/checks/{check_id}/groups/{number}?page={page_number}")
    return page(request, "check.html.j2", current, check_id=check_id, **context)


@router.get("/checks/{check_id}/groups/{number}")
def check_group(request: Request, check_id: str, number: int, current: Signed,
                page_number: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1) -> Response:
    report = state(request).portal.load_check(current.principal, check_id)
    context = report_context(report, lang(request))
    groups = context["groups"]
    if not 1 <= number <= len(groups):
        raise not_found("group")
    group = groups[number - 1]
    pages = max(1, (group.count + PAGE_SIZE - 1) // PAGE_SIZE)
    page_number = min(page_number, pages)
    rows = group.rows[(page_number - 1) * PAGE_SIZE: page_number * PAGE_SIZE]
    return page(request, "group.html.j2", current, check_id=check_id, group=group, rows=rows,
                page_number=page_number, pages=pages)


@router.get("/checks/{check_id}/errors.csv")
def check_errors(request: Request, check_id: str, current: Signed) -> Response:
    return file_download(request, state(request).portal.check_errors_csv(current.principal, check_id))


@router.post("/submissions")
async def send(request: Request, current: Signed) -> Response:
    portal = state(request).portal
    agency, upload = await upload_form(request, current.principal, portal.submit_limit, csrf=current.csrf)
    receipt = await run_in_threadpool(portal.submit, current.principal, agency, upload)
    return _see_other(f"/uploads/{receipt.upload_id}")


@router.get("/uploads/{upload_id}")
def upload_status(request: Request, upload_id: str, current: Signed) -> Response:
    receipt, views = state(request).portal.upload(current.principal, upload_id)
    status = overall(views)
    final = bool(views) and all(v.final for v in views)
    return page(request, "upload.html.j2", current, receipt=receipt, views=views, status=status, labels=LABELS,
                refresh=None if final else REFRESH_SECONDS)


# -- history, mappings, contracts ----------------------------------------------------------------------------
@router.get("/submissions")
def history(request: Request, current: Signed) -> Response:
    portal = state(request).portal
    agency = None if current.principal.is_operator else current.principal.agency
    return page(request, "history.html.j2", current, views=portal.submissions(current.principal),
                receipts=portal.receipts.of_agency(agency, limit=50))


@router.get("/submissions/{submission_id}")
def submission(request: Request, submission_id: str, current: Signed) -> Response:
    portal = state(request).portal
    found = portal.submission(current.principal, submission_id)
    groups = portal.submission_groups(current.principal, submission_id) if found.has_errors_csv else []
    return page(request, "submission.html.j2", current, v=found, refresh=None if found.final else REFRESH_SECONDS,
                groups=groups, charts=chart_data(groups), max_groups=MAX_GROUPS, page_size=PAGE_SIZE,
                links={"errors_csv": f"/submissions/{submission_id}/errors.csv", "group": None})


@router.get("/submissions/{submission_id}/errors.csv")
def submission_errors(request: Request, submission_id: str, current: Signed) -> Response:
    key = state(request).portal.errors_csv_key(current.principal, submission_id)
    return csv_download(request, key)


@router.get("/mappings")
def mappings(request: Request, current: Signed) -> Response:
    portal = state(request).portal
    scan = portal.mapping_set()
    files: dict[str, list[tuple[str, str]]] = {}
    for agency in portal.visible(current.principal):
        folder = portal.project.mappings / agency
        files[agency] = [(f.name, f.read_text(encoding="utf-8", errors="replace"))
                         for f in sorted(folder.glob("*.yaml")) if f.is_file() and not f.is_symlink()]
    return page(request, "mappings.html.j2", current, files=files, problems=scan.problems)


def _fed(request: Request, current: Session) -> list[str]:
    portal = state(request).portal
    return sorted({t for a in portal.visible(current.principal) for t in portal.targets_of(a)})


@router.get("/contracts")
def contracts(request: Request, current: Signed) -> Response:
    portal = state(request).portal
    return page(request, "contracts.html.j2", current,
                contracts=[(target, portal.contract(target)) for target in _fed(request, current)])


@router.get("/contracts/{contract_id}/v{major}")
def contract_page(request: Request, contract_id: str, major: int, current: Signed) -> Response:
    target = f"{contract_id}/v{major}"
    if target not in _fed(request, current):
        raise not_found("contract")
    html = render_contract(state(request).portal.contract(target), "html")
    return Response(html, media_type="text/html; charset=utf-8", headers={STANDALONE_HEADER.decode(): "1"})


# -- mapping suggestion ----------------------------------------------------------------------------------------
def _suggestions(request: Request, agency: str) -> Any:
    return private_dir(state(request).portal.work / "suggestions" / agency)


@router.post("/suggestions")
async def suggest(request: Request, current: Signed) -> Response:
    portal = state(request).portal
    agency, upload = await upload_form(request, current.principal, portal.check_limit, csrf=current.csrf)
    try:
        contract = portal.contract(upload.fields.get("contract", ""))
        view, _ = await run_in_threadpool(draft_view, upload.path, contract, portal.registry(), agency)
    except AccordError as exc:  # the sample cannot be read: said without this server's paths
        reason = exc.reason if isinstance(exc, ExtractRejected) else "unreadable"
        raise PortalError(400, reason, f"{upload.path.name}: {exc.message}") from None
    finally:
        upload.discard()
    suggestion_id = f"sg-{secrets.token_hex(12)}"
    (_suggestions(request, agency) / f"{suggestion_id}.json").write_text(json.dumps(view.to_json()),
                                                                          encoding="utf-8")
    return _see_other(f"/suggestions/{quote(agency)}/{suggestion_id}")


def _suggestion(request: Request, current: Session, agency: str, suggestion_id: str) -> DraftView:
    if not current.principal.may_see(agency) or not SUGGESTION_ID.match(suggestion_id):
        raise not_found("draft")
    file = state(request).portal.work / "suggestions" / agency / f"{suggestion_id}.json"
    if agency not in state(request).portal.agencies() or not file.is_file():
        raise not_found("draft")
    return DraftView.from_json(json.loads(file.read_text(encoding="utf-8")))


@router.get("/suggestions/{agency}/{suggestion_id}.yaml")
def suggestion_yaml(request: Request, agency: str, suggestion_id: str, current: Signed) -> Response:
    view = _suggestion(request, current, agency, suggestion_id)
    return Response(view.text, media_type="application/yaml; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{view.download_name}"'})


@router.get("/suggestions/{agency}/{suggestion_id}")
def suggestion(request: Request, agency: str, suggestion_id: str, current: Signed) -> Response:
    view = _suggestion(request, current, agency, suggestion_id)
    return page(request, "suggestion.html.j2", current, view=view, agency=agency, suggestion_id=suggestion_id)
