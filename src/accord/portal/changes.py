"""Contract changes in the portal: each agency sees the proposed and published versions of the contracts it feeds,
the deadline and its own measured impact (``/changes``, ``GET /api/v1/contract-changes``); operators see every
agency's, measure a proposal from the page (``accord contract propose``'s report, saved for everyone) and read the
audit trail. Only operators measure; nothing here publishes or retires a contract (the CLI does, by an operator)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from accord.access import Principal
from accord.contracts import load_contract
from accord.errors import ContractError
from accord.governance.audit import ContractEvent, events
from accord.governance.changes import ContractChange, contract_changes, impact_key
from accord.governance.impact import measure_impact
from accord.governance.lifecycle import proposed
from accord.portal.deps import bearer, page, state
from accord.portal.pages import Signed, from_this_session
from accord.portal.problems import PortalError, not_found
from accord.portal.service import Portal

api = APIRouter(prefix="/api/v1")
pages = APIRouter(include_in_schema=False)
VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$")
CONTRACT_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def changes_for(portal: Portal, principal: Principal) -> list[ContractChange]:
    visible = set(portal.visible(principal))
    return contract_changes(portal.registry(), (m for agency in sorted(visible) for m in portal.mappings_of(agency)),
                            portal.dirs, [h for h in portal.mapping_set().held if h.agency in visible])


def trail(portal: Portal) -> list[ContractEvent]:
    return events(portal.store)


@api.get("/contract-changes", summary="Coming changes of the contracts you feed: version, deadline, your impact")
def list_changes(request: Request, principal: Annotated[Principal, Depends(bearer)]) -> dict[str, Any]:
    portal = state(request).portal
    return {"changes": [c.to_json() for c in changes_for(portal, principal)],
            "events": [e.__dict__ for e in trail(portal)] if principal.is_operator else []}


@pages.get("/changes")
def changes_page(request: Request, current: Signed) -> Response:
    portal = state(request).portal
    principal = current.principal
    proposals = sorted({(c.id, c.version) for c in portal.registry().contracts if c.status == "proposed"}) \
        if principal.is_operator else []
    return page(request, "changes.html.j2", current, changes=changes_for(portal, principal), proposals=proposals,
                events=trail(portal) if principal.is_operator else [])


@pages.post("/changes/measure")
async def measure(request: Request, current: Signed, contract: Annotated[str, Form(max_length=200)] = "",
                  csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    from_this_session(current, csrf)
    if not current.principal.is_operator:
        raise PortalError(403, "forbidden", "only operators measure a proposed contract")
    portal = state(request).portal
    contract_id, _, version = contract.partition("/")
    file = portal.project.contracts / contract_id / f"{version}.yaml"
    if not CONTRACT_ID.match(contract_id) or not VERSION.match(version) or not file.is_file():
        raise not_found("contract")
    try:
        candidate = load_contract(file)
    except ContractError as exc:
        raise PortalError(400, "contract", exc.describe()) from None
    if candidate.status != "proposed":
        raise PortalError(409, "not-proposed", f"{candidate.label} is {candidate.status}, not proposed")
    report = await run_in_threadpool(measure_impact, candidate, portal.registry(), portal.project.mappings,
                                     portal.dirs)
    proposed(report, portal.dirs, portal.store, current.principal.token_id)
    return RedirectResponse("/changes", status_code=303)


@pages.get("/changes/{contract_id}/{version}/{name}")
def impact_page(request: Request, contract_id: str, version: str, name: str, current: Signed) -> Response:
    """The whole impact report (every agency's): operators only."""
    portal = state(request).portal
    if not current.principal.is_operator or name not in ("impact.html", "impact.fr.html") or \
            not CONTRACT_ID.match(contract_id) or not VERSION.match(version):
        raise not_found("report")
    key = impact_key(contract_id, version, name)
    if not portal.dirs.storage.exists(key):
        raise not_found("report")
    return Response(portal.dirs.storage.read_text(key), media_type="text/html; charset=utf-8",
                    headers={"content-security-policy": "sandbox; default-src 'none'; style-src 'unsafe-inline'"})
