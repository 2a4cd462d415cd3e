"""The operators' identity review page (``/identity``): the pairs the model could not decide, side by side with
Splink's waterfall, in the session's language, and a form per pair to record a steward's decision
(``accord.identity.review``). Operators only: it shows several agencies' records, and an agency never sees
another's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from accord.errors import AccordError
from accord.identity.review import pairs_for_review, record_decision
from accord.portal.deps import page, state
from accord.portal.pages import Signed, from_this_session
from accord.portal.problems import PortalError, not_found

pages = APIRouter(include_in_schema=False)
SHOWN = 50  # pairs per contract on the page, most likely first


@pages.get("/identity")
def review_page(request: Request, current: Signed) -> Response:
    if not current.principal.is_operator:
        raise not_found("page")
    portal = state(request).portal
    resolved = [c for c in portal.registry().latest() if c.identity is not None]
    queues = [(c, pairs_for_review(portal.dirs, c, limit=SHOWN)) for c in resolved]
    return page(request, "identity.html.j2", current, queues=queues)


@pages.post("/identity/decisions")
async def decide(request: Request, current: Signed, contract: Annotated[str, Form(max_length=100)] = "",
                 left: Annotated[str, Form(max_length=400)] = "", right: Annotated[str, Form(max_length=400)] = "",
                 decision: Annotated[str, Form(max_length=20)] = "", note: Annotated[str, Form(max_length=500)] = "",
                 csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    from_this_session(current, csrf)
    if not current.principal.is_operator:
        raise PortalError(403, "forbidden", "only operators decide on identities")
    portal = state(request).portal
    found = next((c for c in portal.registry().latest() if f"{c.id}/v{c.major}" == contract and c.identity), None)
    if found is None:
        raise not_found("contract")
    try:
        await run_in_threadpool(record_decision, portal.dirs, found, left, right, decision,
                                current.principal.label or current.principal.token_id, note)
    except AccordError as exc:
        raise PortalError(400, "decision", exc.message) from None
    return RedirectResponse("/identity", status_code=303)
