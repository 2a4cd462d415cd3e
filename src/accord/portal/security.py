"""HTTP protections of the portal: security headers on every response, the rate limit on failed sign-ins, CSRF
tokens, and the session cookie's flags."""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
# the contract pages are accord's own standalone HTML (``accord contract docs``), with their stylesheet inline
CSP_STANDALONE = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
STANDALONE_HEADER = b"x-accord-standalone"

SESSION_COOKIE = "accord_session"
SIGNIN_COOKIE = "accord_signin"  # the sign-in form's CSRF value (double submit: there is no session yet)
LANG_COOKIE = "accord_lang"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityHeaders:
    """ASGI middleware: CSP (no inline script, no framing), nosniff, no referrer, no caching of agency data;
    HSTS when served over HTTPS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != STANDALONE_HEADER]
                standalone = len(headers) != len(message.get("headers", []))
                headers += [(b"content-security-policy", (CSP_STANDALONE if standalone else CSP).encode()),
                            (b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                            (b"referrer-policy", b"no-referrer"), (b"cross-origin-opener-policy", b"same-origin")]
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class FailureLimiter:
    """At most ``attempts`` failed sign-ins (or bearer tokens) per client address in ``window`` seconds; then
    every attempt from that address is refused until the oldest failure leaves the window."""

    def __init__(self, attempts: int = 5, window: float = 300.0) -> None:
        self.attempts, self.window = attempts, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(address, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def retry_after(self, address: str) -> int:
        """Seconds until ``address`` may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent(address, now)
            if len(failures) < self.attempts:
                return 0
            return max(1, int(failures[0] + self.window - now) + 1)

    def failed(self, address: str) -> None:
        with self._lock:
            self._recent(address, time.monotonic()).append(time.monotonic())
            if len(self._failures) > 100_000:  # an address flood must not grow memory without bound
                self._failures.clear()


def same(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a CSRF value."""
    return bool(expected) and given is not None and hmac.compare_digest(expected.encode(), given.encode())


def cookie_flags(https: bool) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "secure": https, "path": "/"}
