"""What one connection may cost the portal before a route runs: a body bounded before it is read (only the upload
routes stream more, each cut at its own intake limit), headers that must be complete within a few seconds, and a
body that may not stall. A stranger cannot fill the disk with a sign-in or hold thousands of sockets open."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from accord.portal.security import ASGIApp, Message, Receive, Scope, Send

MAX_FORM_BYTES = 16 * 1024  # a request without a file (sign-in, sign-out, language): a few fields
UPLOAD_ROUTES = frozenset({"/checks", "/submissions", "/suggestions", "/api/v1/checks", "/api/v1/submissions"})
HEADER_SECONDS = 10.0  # from the connection (or the first byte of the next request) to the end of its headers
BODY_IDLE_SECONDS = 30.0  # the longest pause while a body is being received


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: every request but a POST to an upload route may carry at most ``limit`` bytes. A declared
    length past it is answered 413 before a byte is read; a body that grows past it (chunked, or lying about
    its length) is cut at the first chunk over. A body that pauses longer than ``idle`` seconds is abandoned.
    ``refused(scope)`` is told of every request refused here (the sign-in limiter counts them)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_FORM_BYTES, idle: float = BODY_IDLE_SECONDS,
                 refused: Callable[[Scope], None] | None = None) -> None:
        self.app, self.limit, self.idle, self.refused = app, limit, idle, refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = None if scope["method"] == "POST" and scope["path"] in UPLOAD_ROUTES else self.limit
        declared = _content_length(scope)
        if limit is not None and declared is not None and declared > limit:
            await self._too_large(scope, send, limit)
            return
        received = 0
        cut = started = False

        async def bounded() -> Message:
            nonlocal received, cut
            try:
                message = await asyncio.wait_for(receive(), self.idle)
            except TimeoutError:
                return {"type": "http.disconnect"}  # the route sees the client gone and stops reading
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if limit is not None and received > limit:
                    cut = True  # the route's parser may turn this into its own error: the answer stays 413
                    raise BodyTooLarge
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if cut and not started:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(BodyTooLarge):
            await self.app(scope, bounded, tracked)
        if cut and not started:
            await self._too_large(scope, send, limit or 0)

    async def _too_large(self, scope: Scope, send: Send, limit: int) -> None:
        if self.refused is not None:
            self.refused(scope)
        body = json.dumps({"error": {"status": 413, "reason": "too-large",
                                     "message": f"this request may carry at most {limit} bytes"}}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class TimedHttpProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol with a header deadline: a connection whose request headers are not complete
    ``header_seconds`` after it opened (or after the first byte of its next request) is closed. uvicorn alone
    only times out idle keep-alive connections, so a client trickling its headers held a socket forever."""

    header_seconds = HEADER_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        if self._header_deadline is None:
            self._header_deadline = self.loop.call_later(self.header_seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _too_slow(self) -> None:
        self._header_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


def timed_protocol(header_seconds: float) -> type[TimedHttpProtocol]:
    return type("TimedHttpProtocol", (TimedHttpProtocol,), {"header_seconds": header_seconds})
