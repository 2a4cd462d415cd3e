"""``create_app``: the portal as an ASGI app (FastAPI): pages, the API under ``/api/v1``, its OpenAPI
description at ``/api/openapi.json`` and a readable page of it at ``/api/docs`` (served here, no CDN, no
script), the stylesheet, security headers on everything; errors as JSON for the API and as a page otherwise."""

from __future__ import annotations

from importlib import resources
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from accord.portal import api, changes, files, identity, pages
from accord.portal.connections import BodyLimit
from accord.portal.deps import PortalState, lang, page, session
from accord.portal.problems import PortalError
from accord.portal.security import Scope, SecurityHeaders
from accord.portal.service import Portal

ICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" '
        'fill="#1f4f8a"/><path d="M4 8l3 3 5-6" stroke="#fff" stroke-width="2" fill="none"/></svg>')
STYLESHEET = resources.files("accord.reports").joinpath("templates/report.css").read_text(encoding="utf-8")


def _error(request: Request, problem: PortalError) -> Response:
    headers = {"retry-after": str(problem.retry_after)} if problem.retry_after else {}
    if request.url.path.startswith("/api/"):
        if problem.status == 401:
            headers["www-authenticate"] = "Bearer"
        return JSONResponse(problem.to_json(lang(request)), status_code=problem.status, headers=headers)
    current = session(request)
    answer = page(request, "error.html.j2", current, status_code=problem.status, problem=problem)
    answer.headers.update(headers)
    return answer


def create_app(portal: Portal, *, secure_cookies: bool | None = None, sign_in_attempts: int = 5,
               sign_in_window: float = 300.0) -> FastAPI:
    from accord.portal.security import FailureLimiter

    app = FastAPI(title="accord portal API", version="1", openapi_url="/api/openapi.json", docs_url=None,
                  redoc_url=None, description="Check and send agency extracts; follow their submissions. Every "
                                              "call takes `Authorization: Bearer <token>`.")
    app.state.accord = PortalState(portal, FailureLimiter(sign_in_attempts, sign_in_window), secure_cookies)
    app.include_router(api.router)
    app.include_router(changes.api)
    app.include_router(pages.router)
    app.include_router(changes.pages)
    app.include_router(identity.pages)
    app.include_router(files.router)

    @app.exception_handler(PortalError)
    async def portal_error(request: Request, exc: PortalError) -> Response:
        return _error(request, exc)

    @app.exception_handler(pages.SignInNeeded)
    async def sign_in_needed(request: Request, exc: pages.SignInNeeded) -> Response:
        return RedirectResponse("/signin", status_code=303)

    @app.exception_handler(files.SignInFirst)
    async def sign_in_first(request: Request, exc: files.SignInFirst) -> Response:
        return RedirectResponse(f"/signin?next={quote(exc.path, safe='')}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        where = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        return _error(request, PortalError(400, "bad-request", where))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        reason = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "bad-request")
        return _error(request, PortalError(exc.status_code, reason, str(exc.detail)))

    @app.get("/static/accord.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response(STYLESHEET, media_type="text/css; charset=utf-8", headers={"cache-control": "max-age=3600"})

    @app.get("/favicon.ico", include_in_schema=False)
    def icon() -> Response:
        return Response(ICON, media_type="image/svg+xml", headers={"cache-control": "max-age=86400"})

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        return page(request, "api.html.j2", session(request), spec=_operations(app.openapi()))

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    def refused(scope: Scope) -> None:  # a sign-in refused for its size still counts as a failed attempt
        if scope["path"] == "/signin":
            app.state.accord.limiter.failed(scope["client"][0] if scope.get("client") else "unknown")

    app.add_middleware(BodyLimit, refused=refused)
    app.add_middleware(SecurityHeaders)
    return app


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"method": method.upper(), "path": path, "summary": op.get("summary", ""),
             "parameters": [p["name"] for p in op.get("parameters", [])]}
            for path, methods in spec["paths"].items() for method, op in methods.items()]
