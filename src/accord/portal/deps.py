"""What every route needs from a request: the portal, who is calling (a bearer token for the API, the session
cookie for pages), the language, and the page templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader

from accord.access import Principal
from accord.access.sessions import Session
from accord.access.tokens import TOKEN_PATTERN
from accord.portal.problems import PortalError
from accord.portal.security import LANG_COOKIE, SESSION_COOKIE, UNKNOWN_TOKEN, FailureLimiter, SignInForms
from accord.portal.service import Portal
from accord.portal.texts import page_texts
from accord.reports.render import environment, other


@dataclass
class PortalState:
    portal: Portal
    limiter: FailureLimiter = field(default_factory=FailureLimiter)
    secure_cookies: bool | None = None  # None: Secure when the request came over HTTPS
    signin_forms: SignInForms | None = None
    templates: Environment = field(default_factory=lambda: environment(PackageLoader("accord.portal", "templates")))


def state(request: Request) -> PortalState:
    found: PortalState = request.app.state.accord
    return found


def signin_forms(request: Request) -> SignInForms:
    current = state(request)
    if current.signin_forms is None:
        current.signin_forms = SignInForms.in_folder(current.portal.work)
    return current.signin_forms


def address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limiter_key(request: Request, token: str) -> str:
    """The id the sign-in limiter counts ``token``'s failures under: its own id when that id is a token accord
    knows (a wrong secret), else ``-`` (missing, malformed, unknown: never the key a valid token is tried on)."""
    match = TOKEN_PATTERN.match(token)
    if match and state(request).portal.tokens.active(match.group(1)) is not None:
        return match.group(1)
    return UNKNOWN_TOKEN


def https(request: Request) -> bool:
    chosen = state(request).secure_cookies
    return request.url.scheme == "https" if chosen is None else chosen


def lang(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in ("en", "fr"):
        return chosen
    return "fr" if request.headers.get("accept-language", "").lower().startswith("fr") else "en"


def bearer(request: Request) -> Principal:
    """The API's caller, from ``Authorization: Bearer <token>``; 401 without a valid one, 429 after too many
    failures from the address."""
    current = state(request)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    key = limiter_key(request, token)
    wait = current.limiter.retry_after(address(request), key)
    if wait:
        raise PortalError(429, "rate-limited", f"too many failed sign-ins from this address: retry in {wait} s")
    principal = current.portal.tokens.verify(token) if token else None
    if principal is None:
        current.limiter.failed(address(request), key)
        raise PortalError(401, "unauthorized", "send a valid token: Authorization: Bearer acc_…")
    return principal


def session(request: Request) -> Session | None:
    value = request.cookies.get(SESSION_COOKIE)
    return state(request).portal.sessions.get(value) if value else None


def page(request: Request, template: str, current: Session | None, status_code: int = 200,
         **context: Any) -> HTMLResponse:
    language = lang(request)
    values = {"request_path": request.url.path, "refresh": None, "lang": language,
              "other_lang": other(language),
              "session": current, "principal": current.principal if current else None, **context,
              "t": page_texts(language)}
    html = state(request).templates.get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code)
