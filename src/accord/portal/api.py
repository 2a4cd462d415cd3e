"""The HTTP API, ``/api/v1``: what the pages do, for an agency's scripts. Bearer tokens only (never the session
cookie, so no request forged by a browser can call it); errors as JSON with the CLI's reason codes."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from accord.access import Principal
from accord.portal.deps import bearer, state
from accord.portal.status import overall
from accord.portal.transfer import csv_download, file_download, upload_form
from accord.reports.check import CheckReport

router = APIRouter(prefix="/api/v1")
Caller = Annotated[Principal, Depends(bearer)]
ERRORS_SHOWN = 100
FORM = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "agency": {"type": "string", "description": "operators only: the agency the file is from"},
        "contract": {"type": "string", "description": "checks: the contract and major version, e.g. person/v1 "
                                                      "(send it before the file); without it, the contract "
                                                      "whose mapping reads the file's name"},
        "file": {"type": "string", "format": "binary"}}}}}}}


def _check_json(check_id: str, report: CheckReport) -> dict[str, Any]:
    body = asdict(report)
    body["errors_total"] = report.problems
    body["errors"] = report.errors[:ERRORS_SHOWN]
    return {"id": check_id, "status": report.status, "summary_en": report.summary("en"),
            "summary_fr": report.summary("fr"), "report": body, "errors_csv": f"/api/v1/checks/{check_id}/errors.csv"}


@router.post("/checks", openapi_extra=FORM, summary="Check a file against a contract (nothing is sent)",
             responses={422: {"description": "the file cannot be processed: the report, and the reason code "
                                             "(encoding, missing-column, encrypted, corrupt-archive, ...) as "
                                             "error.reason"}})
async def create_check(request: Request, principal: Caller) -> Any:
    portal = state(request).portal
    agency, upload = await upload_form(request, principal, portal.check_limit)
    check_id, report = await run_in_threadpool(portal.check, agency, upload)
    body = _check_json(check_id, report)
    if report.status != "unreadable":
        return body
    error = {"status": 422, "reason": report.rejection_reason or "unreadable", "message": report.rejected or ""}
    return JSONResponse({"error": error, **body}, status_code=422)  # the report is kept: GET answers it


@router.get("/checks/{check_id}", summary="A check's report")
def get_check(request: Request, check_id: str, principal: Caller) -> dict[str, Any]:
    return _check_json(check_id, state(request).portal.load_check(principal, check_id))


@router.get("/checks/{check_id}/errors.csv", summary="Every problem a check found, as CSV",
            response_class=Response)
def get_check_errors(request: Request, check_id: str, principal: Caller) -> Response:
    return file_download(request, state(request).portal.check_errors_csv(principal, check_id))


@router.post("/submissions", openapi_extra=FORM, status_code=202,
             summary="Send a file to the landing zone (processed by the pipeline)")
async def create_submission(request: Request, principal: Caller) -> JSONResponse:
    portal = state(request).portal
    agency, upload = await upload_form(request, principal, portal.submit_limit)
    receipt = await run_in_threadpool(portal.submit, principal, agency, upload)
    status_url = f"/api/v1/uploads/{receipt.upload_id}"
    body = {"upload": asdict(receipt) | {"token_id": None}, "status": "waiting", "status_url": status_url}
    return JSONResponse(body, status_code=202, headers={"location": status_url})


@router.get("/uploads/{upload_id}", summary="A file sent: its submissions once picked up")
def get_upload(request: Request, upload_id: str, principal: Caller) -> dict[str, Any]:
    receipt, views = state(request).portal.upload(principal, upload_id)
    return {"upload": asdict(receipt) | {"token_id": None}, "status": overall(views),
            "final": bool(views) and all(v.final for v in views), "submissions": [v.to_json() for v in views]}


@router.get("/submissions", summary="Your latest submissions, newest first")
def list_submissions(request: Request, principal: Caller,
                     agency: Annotated[str | None, Query(description="operators: one agency")] = None,
                     limit: Annotated[int, Query(ge=1, le=1000, description="the latest N")] = 100,
                     ) -> dict[str, Any]:
    views = state(request).portal.submissions(principal, agency, limit)
    return {"submissions": [v.to_json() for v in views]}


@router.get("/submissions/{submission_id}", summary="One submission: status, counts, reason")
def get_submission(request: Request, submission_id: str, principal: Caller) -> dict[str, Any]:
    return state(request).portal.submission(principal, submission_id).to_json()


@router.get("/submissions/{submission_id}/errors.csv", summary="The rows set aside, and why, as CSV",
            response_class=Response)
def get_submission_errors(request: Request, submission_id: str, principal: Caller) -> Response:
    key = state(request).portal.errors_csv_key(principal, submission_id)
    return csv_download(request, key)
