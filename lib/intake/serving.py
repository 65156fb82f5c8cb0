"""uvicorn's h11 protocol with a deadline for every request's headers (slow-header clients).

uvicorn (0.54, h11: the project installs no httptools) arms its keep-alive timer only once a
response is complete and stops it at the first byte of the next request, and it has no timer at
all before a connection's first request: a client that sends its headers a byte at a time holds
a connection for ever. `header_deadline(seconds)` closes a connection whose request headers are
not complete `seconds` after it opened or after the previous response. The body has its own
deadline (`lib.intake.middleware.BodyLimitMiddleware`), so every phase of a request is bounded.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("privacy_desk.intake")


def header_deadline(seconds: float) -> type[H11Protocol]:
    """An H11Protocol class (`uvicorn.run(http=...)`) that cuts headers slower than `seconds`."""

    class HeaderDeadline(H11Protocol):
        _headers_due: asyncio.TimerHandle | None = None

        # uvicorn's H11Protocol itself narrows BaseProtocol's BaseTransport to Transport.
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request's headers

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:  # a whole request line and headers
                self._disarm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._headers_due = self.loop.call_later(seconds, self._cut)

        def _disarm(self) -> None:
            if self._headers_due is not None:
                self._headers_due.cancel()
                self._headers_due = None

        def _cut(self) -> None:
            self._headers_due = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                log.info("cut a connection: no complete request headers after %s s", seconds)
                self.transport.close()

    return HeaderDeadline
