"""ASGI middleware of the intake service: bounded request bodies (in size and in time), default
security headers, and a busy database answered as such.

All are plain ASGI (no per-request task or response buffering), so they cost next to nothing
on the hot path.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
from sqlalchemy.exc import OperationalError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("privacy_desk.intake")

DRAIN_CAP = 8 * 1024 * 1024
"""Oversized bodies up to this size are read and dropped so that the 413 reaches the client."""
DEFAULT_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # links carry tokens: never leak them in Referer
    (b"cache-control", b"no-store"),
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"cross-origin-resource-policy", b"same-origin"),
)
FRAME_DENY = (b"x-frame-options", b"DENY")
"""For responses without a CSP of their own; storefront pages set theirs (framed by the shop)."""
BODY_SECONDS = 10.0
"""A body must have arrived this long after the request's headers, or the connection is cut."""
BUSY_RETRY_SECONDS = 5
BUSY = "The service is busy right now. Please try again in a few seconds."
_LOCK_SQLSTATES = frozenset({"55P03", "40P01"})  # PostgreSQL: lock not available, deadlock


async def _reject(
    send: Send, status: int, detail: str, extra: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuse bodies over `limit` bytes with 413, declared (Content-Length) or chunked, and
    bodies still incomplete `seconds` after the request began with 408 (the connection closes:
    a client trickling a byte at a time cannot hold it open).

    The body is read (at most `limit` bytes) before the application runs and handed to it in
    one piece; `limits` maps path prefixes to their own bounds.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        limits: dict[str, int] | None = None,
        seconds: float = BODY_SECONDS,
    ) -> None:
        self.app = app
        self.limit = limit
        self.limits = limits or {}
        self.seconds = seconds

    def _limit_for(self, path: str) -> int:
        for prefix, limit in self.limits.items():
            if path.startswith(prefix):
                return limit
        return self.limit

    @staticmethod
    async def _too_large(receive: Receive, send: Send, limit: int, *, drain: bool) -> None:
        """Answer 413. Reading the rest first (up to DRAIN_CAP) lets the client see the answer
        instead of a connection reset; the server cannot read after it has answered."""
        drained = 0
        while drain and drained <= DRAIN_CAP:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            drained += len(message.get("body", b""))
            drain = message.get("more_body", False)
        await _reject(send, 413, f"request body larger than {limit} bytes")

    async def _read(
        self, receive: Receive, send: Send, limit: int, declared: bytes | None
    ) -> bytes | None:
        """The whole body, or None once the client left or was answered 413."""
        if declared is not None and int(declared) > limit:
            await self._too_large(receive, send, limit, drain=int(declared) <= DRAIN_CAP)
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                more = message.get("more_body", False)
                await self._too_large(receive, send, limit, drain=more)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and not declared.isdigit():
            await _reject(send, 400, "Content-Length is not a number")
            return
        body: bytes | None = None
        with anyio.move_on_after(self.seconds) as deadline:
            body = await self._read(receive, send, self._limit_for(scope["path"]), declared)
        if deadline.cancelled_caught:
            log.info("cut a request to %s: its body was not complete after %s s", scope["path"],
                     self.seconds)  # fmt: skip
            await _reject(send, 408, f"request body not received within {self.seconds:g} seconds")
            return
        if body is None:
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _lock_timeout(exc: OperationalError) -> bool:
    """The database kept a lock longer than we wait (SQLite's busy timeout, PostgreSQL's)."""
    if getattr(exc.orig, "sqlstate", None) in _LOCK_SQLSTATES:
        return True
    return "locked" in str(exc.orig).lower()


class DatabaseBusyMiddleware:
    """Answer 503 with Retry-After and a sentence when a lock outlasted the database timeout.

    Anything else (a broken database, a bug) still ends as the bare 500 of the outer handler.
    """

    def __init__(self, app: ASGIApp, retry_after: int = BUSY_RETRY_SECONDS) -> None:
        self.app = app
        self.retry_after = retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except OperationalError as exc:
            if started or not _lock_timeout(exc):
                raise
            log.warning("answered 503 to %s: the database stayed locked (%s)", scope["path"],
                        exc.orig)  # fmt: skip
            retry = str(self.retry_after).encode()
            await _reject(send, 503, BUSY, ((b"retry-after", retry),))
