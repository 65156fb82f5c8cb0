"""Which addresses are this machine's own, and an ASGI guard against DNS rebinding.

A server bound to loopback is reachable from this machine only, but a web page the developer
opens can still make the browser talk to it: it points a name it controls at 127.0.0.1 and sends
requests carrying that name in `Host`. Such requests are refused by `LoopbackHostMiddleware`,
which accepts only the machine's own names with the server's port.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
"""The names a browser on this machine uses for it (IPv6 in its bracketed URL form)."""
REFUSED_HOST = (
    b"This server answers only to localhost, 127.0.0.1 or [::1] with its port; open it at "
    b"one of those addresses."
)


def free_port() -> int:
    """A TCP port of 127.0.0.1 nothing listens on now (for local test and benchmark servers)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def is_loopback(host: str) -> bool:
    """True when binding or connecting to `host` stays on this machine.

    An empty host and the wildcards 0.0.0.0 and :: mean every interface, so they are not.
    """
    name = host.strip().strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def allowed_hosts(port: int) -> frozenset[str]:
    """The `Host` values of a browser on this machine talking to a server on `port`."""
    return frozenset(f"{name}:{port}" for name in LOOPBACK_NAMES)


class LoopbackHostMiddleware:
    """Answer 421 (HTTP) or close (WebSocket) unless `Host` names this machine and the port.

    The port is the one the connection arrived on (`scope["server"]`), so the check holds under
    any port the server was given; a scope without a server address (an in-process test client)
    is passed through, as it cannot come from a browser.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server")
        if scope["type"] not in ("http", "websocket") or not server or not is_loopback(server[0]):
            await self.app(scope, receive, send)
            return
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
        if host in allowed_hosts(server[1]):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await receive()  # websocket.connect; closing before accepting refuses the handshake
            await send({"type": "websocket.close", "code": 1008})
            return
        await send(
            {
                "type": "http.response.start",
                "status": 421,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(REFUSED_HOST)).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": REFUSED_HOST})


Headers = tuple[tuple[bytes, bytes], ...]


class ResponseHeadersMiddleware:
    """Add `headers` to every HTTP response that has not set them itself, and `without_csp` to
    those that set no Content-Security-Policy of their own (the intake's and the dashboard's
    security headers are this one guard with their own lists)."""

    def __init__(self, app: ASGIApp, headers: Headers, without_csp: Headers = ()) -> None:
        self.app = app
        self.headers = headers
        self.without_csp = without_csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(item for item in self.headers if item[0] not in present)
                if b"content-security-policy" not in present:
                    headers.extend(self.without_csp)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
