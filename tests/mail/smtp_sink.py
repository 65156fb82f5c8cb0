"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives, for tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.helpers.processes import free_port


class SmtpSink:
    """Collects messages; `reply` may answer a DATA command with another code (e.g. 451)."""

    def __init__(self, port: int | None = None, *, credentials: tuple[str, str] | None = None):
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.logins: list[str] = []
        self.reply: Callable[[EmailMessage], str | None] | None = None
        self._credentials = credentials
        self._lock = threading.Lock()
        kwargs: dict = {}
        if credentials:
            kwargs = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **kwargs)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        answer = self.reply(message) if self.reply else None
        if answer:
            return answer
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and self._credentials == (
            auth_data.login.decode(),
            auth_data.password.decode(),
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    def to(self, address: str) -> list[EmailMessage]:
        """Messages addressed to `address`."""
        return [m for m in self.messages if m["To"] == address]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Poll until `count` messages arrived (delivery is synchronous, so this rarely waits)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.messages)


def text_part(message: EmailMessage) -> str:
    """The plain-text body of a message."""
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message: EmailMessage) -> str:
    """The HTML body of a message."""
    return message.get_body(preferencelist=("html",)).get_content()
