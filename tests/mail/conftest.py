"""Fixtures of the mail tests: a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.mail.smtp_sink import SmtpSink


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A running SMTP sink."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()
