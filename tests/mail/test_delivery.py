"""SMTP delivery: sent once with a stable Message-ID, retried on 4xx and outages, failed on 5xx,
captured without SMTP_URL, shared safely by several workers."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lib.core.config import Config
from lib.core.db import Database
from lib.core.models import OutboxMail, utcnow
from lib.mail.delivery import (
    MAX_ATTEMPTS,
    SmtpConfigError,
    deliver_pending,
    message_id,
    parse_smtp_url,
)
from lib.mail.outbox import queue_mail
from tests.helpers.processes import free_port
from tests.mail.smtp_sink import SmtpSink, html_part, text_part

STORE = {"name": "Demo Shop", "contact_email": "owner@demo-shop.test"}
LATER = timedelta(hours=2)  # past any backoff


def _queue(db: Database, count: int = 1, prefix: str = "mail") -> list[int]:
    ids = []
    with db.write() as session:
        for n in range(count):
            mail = queue_mail(
                session,
                template="received",
                to=f"customer{n}@example.com",
                context={
                    "store": STORE,
                    "request": {
                        "name": f"Customer {n}",
                        "type_label": "get a copy of your data",
                        "reference": f"DSR-2026-{n:06d}",
                        "due_on": "2026-03-02",
                        "due_date": date(2026, 3, 2),
                    },
                    "verified": False,
                    "opening": "Demo Shop has received your request.",
                },
                dedupe_key=f"{prefix}:{n}",
            )
            ids.append(mail.id)
    return ids


def _rows(db: Database) -> list[OutboxMail]:
    with db.read() as session:
        return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def _config(url: str = "", **kw) -> Config:
    return Config(smtp_url=url, mail_from="Demo Shop <privacy@demo-shop.test>", **kw)


def test_without_smtp_url_mails_are_captured(db: Database) -> None:
    _queue(db, 3)
    assert deliver_pending(db, _config()) == 3
    assert [row.status for row in _rows(db)] == ["captured"] * 3
    assert deliver_pending(db, _config()) == 0


def test_a_mail_is_sent_once_with_text_html_and_a_stable_message_id(
    db: Database, smtp: SmtpSink
) -> None:
    _queue(db, 1)
    config = _config(smtp.url)
    assert deliver_pending(db, config) == 1
    assert deliver_pending(db, config) == 0
    [message] = smtp.wait_for(1)
    assert message["To"] == "customer0@example.com"
    assert message["From"] == "Demo Shop <privacy@demo-shop.test>"
    assert message["Subject"] == "We have received your data request (DSR-2026-000000)"
    assert message["Message-ID"] == message_id("mail:0", config.mail_from)
    assert message["Message-ID"].endswith("@demo-shop.test>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert "Customer 0" in text_part(message) and "<html" in html_part(message)
    [row] = _rows(db)
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 1


def test_smtp_down_then_back_delivers_each_mail_exactly_once(
    db: Database, longest_backoff: None
) -> None:
    port = free_port()
    config = _config(f"smtp://127.0.0.1:{port}")
    _queue(db, 3)
    assert deliver_pending(db, config) == 0  # nothing listens
    rows = _rows(db)
    assert {row.status for row in rows} == {"pending"}
    assert all(row.last_error and row.next_attempt_at > utcnow() for row in rows)
    assert deliver_pending(db, config) == 0  # backing off: not retried yet
    sink = SmtpSink(port).start()
    try:
        assert deliver_pending(db, config, now=utcnow() + LATER) == 3
        assert deliver_pending(db, config, now=utcnow() + 2 * LATER) == 0
        messages = sink.wait_for(3)
    finally:
        sink.stop()
    assert Counter(m["To"] for m in messages) == Counter(
        f"customer{n}@example.com" for n in range(3)
    )
    assert [row.status for row in _rows(db)] == ["sent"] * 3


def test_4xx_is_retried_and_5xx_is_failed_with_the_error(db: Database, smtp: SmtpSink) -> None:
    _queue(db, 2)
    smtp.reply = lambda m: (
        "451 4.3.0 try again later"
        if m["To"].startswith("customer0")
        else ("550 5.1.1 no such mailbox")
    )
    config = _config(smtp.url)
    assert deliver_pending(db, config) == 0
    first, second = _rows(db)
    assert first.status == "pending" and first.last_error.startswith("451")
    assert second.status == "failed" and "550 5.1.1 no such mailbox" in second.last_error
    smtp.reply = None
    assert deliver_pending(db, config, now=utcnow() + LATER) == 1
    assert [m["To"] for m in smtp.wait_for(1)] == ["customer0@example.com"]
    assert [row.status for row in _rows(db)] == ["sent", "failed"]


def test_4xx_gives_up_after_max_attempts(db: Database, smtp: SmtpSink) -> None:
    _queue(db, 1)
    smtp.reply = lambda _m: "452 4.2.2 mailbox full"
    config = _config(smtp.url)
    now = utcnow()
    for attempt in range(MAX_ATTEMPTS):
        deliver_pending(db, config, now=now + attempt * LATER * 10)
    [row] = _rows(db)
    assert row.status == "failed" and row.attempts == MAX_ATTEMPTS and "452" in row.last_error
    assert smtp.messages == []


def test_credentials_are_never_sent_without_tls(db: Database) -> None:
    sink = SmtpSink(credentials=("shop", "s3cret")).start()
    try:
        _queue(db, 1)
        plain = _config(f"smtp://shop:s3cret@127.0.0.1:{sink.port}")
        assert deliver_pending(db, plain) == 0
        [row] = _rows(db)
        assert row.status == "pending" and "STARTTLS" in row.last_error
        assert sink.logins == [] and sink.messages == []
        insecure = _config(f"smtp+insecure://shop:s3cret@127.0.0.1:{sink.port}")
        assert deliver_pending(db, insecure, now=utcnow() + LATER) == 1
        assert sink.logins == ["shop"] and len(sink.wait_for(1)) == 1
    finally:
        sink.stop()


def test_several_workers_send_each_mail_once(db: Database, smtp: SmtpSink) -> None:
    _queue(db, 30)
    config = _config(smtp.url)
    barrier = threading.Barrier(4)
    sent: list[int] = []

    def work() -> None:
        barrier.wait()
        for _ in range(5):
            sent.append(deliver_pending(db, config, limit=4))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    messages = smtp.wait_for(30)
    assert sum(sent) == 30 and len(messages) == 30
    assert len({m["Message-ID"] for m in messages}) == 30
    assert {row.status for row in _rows(db)} == {"sent"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://u:p%40ss@mail.example.com", ("smtp", "mail.example.com", 587, "u", "p@ss")),
        ("smtps://mail.example.com", ("smtps", "mail.example.com", 465, None, None)),
        ("smtp+insecure://127.0.0.1:2525", ("smtp+insecure", "127.0.0.1", 2525, None, None)),
    ],
)
def test_parse_smtp_url(url: str, expected: tuple) -> None:
    target = parse_smtp_url(url)
    assert (target.scheme, target.host, target.port, target.username, target.password) == expected


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "mail.example.com:25"])
def test_bad_smtp_urls_are_refused(url: str) -> None:
    with pytest.raises(SmtpConfigError):
        parse_smtp_url(url)
