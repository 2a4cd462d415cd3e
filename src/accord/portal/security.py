"""HTTP protections of the portal: security headers on every response, the rate limit on failed sign-ins, CSRF
tokens, and the session cookie's flags."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
# the contract pages are accord's own standalone HTML (``accord contract docs``), with their stylesheet inline
CSP_STANDALONE = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"
# files a run wrote (Data Docs pages hold agency values): no script at all, in an opaque origin (sandbox)
CSP_FILES = ("sandbox; default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
             "font-src 'self'; frame-ancestors 'none'; base-uri 'none'")
STANDALONE_HEADER = b"x-accord-standalone"  # set by a route: "1" accord's standalone HTML, "files" a run's file
POLICIES = {b"1": CSP_STANDALONE, b"files": CSP_FILES}

SESSION_COOKIE = "accord_session"
SIGNIN_COOKIE = "accord_signin"  # the sign-in form's CSRF value (double submit: there is no session yet)
LANG_COOKIE = "accord_lang"
UNKNOWN_TOKEN = "-"  # noqa: S105 (not a secret) the limiter's id for a missing, malformed or unknown token

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
                marked = [v for k, v in message.get("headers", []) if k.lower() == STANDALONE_HEADER]
                policy = POLICIES.get(marked[0], CSP) if marked else CSP
                headers += [(b"content-security-policy", policy.encode()),
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
    """At most ``attempts`` failed sign-ins (or bearer tokens) per (client address, token id) in ``window``
    seconds; then that pair is refused until its oldest failure leaves the window. Failures of a missing or
    unknown token count under the id ``-``, so they never lock out a valid token sent from the same address (a
    NAT, a proxy); a known token's wrong secrets count under its own id. Memory is bounded by evicting the pairs
    that failed longest ago, never by forgetting every counter."""

    def __init__(self, attempts: int = 5, window: float = 300.0, max_keys: int = 100_000) -> None:
        self.attempts, self.window, self.max_keys = attempts, window, max_keys
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def retry_after(self, address: str, token_id: str = UNKNOWN_TOKEN) -> int:
        """Seconds until ``address`` may try ``token_id`` again (0: now)."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent((address, token_id), now)
            if len(failures) < self.attempts:
                return 0
            return max(1, int(failures[0] + self.window - now) + 1)

    def failed(self, address: str, token_id: str = UNKNOWN_TOKEN) -> None:
        key, now = (address, token_id), time.monotonic()
        with self._lock:
            failures = self._recent(key, now)
            failures.append(now)
            self._failures[key] = failures
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_keys:
                self._failures.popitem(last=False)


class SignInForms:
    """The sign-in form's CSRF value, bound to the server: the form carries an HMAC (under a key only the server
    holds) of the random value in the browser's sign-in cookie, so a cookie and a field an attacker chose
    together (``abc`` and ``abc``) never pass. The key is kept owner-only in the portal's work folder, shared by
    every portal process that shares it."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def in_folder(cls, folder: Path) -> SignInForms:
        from accord.storage.private import private_dir

        path = private_dir(folder) / "signin.key"
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(32))
        key = path.read_bytes()
        if len(key) != 32:
            raise RuntimeError(f"{path} must hold 32 bytes: remove it to make a new key")
        return cls(key)

    def new(self) -> tuple[str, str]:
        """A new sign-in form: (cookie value, form value)."""
        cookie = secrets.token_urlsafe(24)
        return cookie, self._sign(cookie)

    def _sign(self, cookie: str) -> str:
        return hmac.new(self._key, b"accord-signin\0" + cookie.encode(), hashlib.sha256).hexdigest()

    def valid(self, cookie: str | None, field: str | None) -> bool:
        return bool(cookie) and field is not None and same(self._sign(cookie or ""), field)


def same(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a CSRF value."""
    return bool(expected) and given is not None and hmac.compare_digest(expected.encode(), given.encode())


def cookie_flags(https: bool) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "secure": https, "path": "/"}
