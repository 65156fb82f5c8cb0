"""Reminders: an unverified guest gets one new Verify Request link after the set delay; a
due-soon request's owner gets the deadline mail, once per due date."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lib.core import lifecycle
from lib.core.audit import verify_chain
from lib.core.config import Config
from lib.core.db import Database
from lib.core.enums import Channel, EventKind
from lib.core.models import OutboxMail, Request, RequestEvent, Store, utcnow
from lib.core.settings import set_setting
from lib.jobs.handlers import job_handlers, periodic_jobs
from lib.jobs.maintenance import GUEST_REMIND_KIND, remind_deadlines, remind_unverified
from tests.helpers.requests import open_test_request


def _open(db: Database, store: Store, channel: Channel, hours_ago: float, email: str) -> int:
    return open_test_request(
        db, store, email, channel=channel, at=utcnow() - timedelta(hours=hours_ago)
    )


def _mails(db: Database, to: str, template: str) -> int:
    with db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(OutboxMail)
                .where(OutboxMail.to_addr == to, OutboxMail.template == template)
            )
            or 0
        )


def test_an_unverified_guest_is_reminded_once_after_the_delay(db: Database, store: Store):
    late = _open(db, store, Channel.GUEST, 50, "late@example.com")
    _open(db, store, Channel.GUEST, 10, "recent@example.com")
    _open(db, store, Channel.LOGGED_IN, 50, "member@example.com")
    assert remind_unverified(db) == 1
    assert remind_unverified(db) == 0  # once
    assert _mails(db, "late@example.com", "verify") == 1
    assert _mails(db, "recent@example.com", "verify") == 0
    with db.read() as session:
        assert session.get(Request, late).reminded_at is not None
        event = session.scalars(
            select(RequestEvent).where(
                RequestEvent.request_id == late, RequestEvent.kind == EventKind.MAIL
            )
        ).one()
        assert event.details == {"template": "verify", "reminder": True}
        assert verify_chain(session).ok


def test_a_delay_of_zero_sends_no_reminder(db: Database, store: Store):
    _open(db, store, Channel.GUEST, 500, "late@example.com")
    with db.write() as session:
        set_setting(session, "guest_reminder_hours", 0, "merchant@shop.test")
    assert remind_unverified(db) == 0
    assert _mails(db, "late@example.com", "verify") == 0


def test_the_owner_of_a_due_soon_request_is_reminded_once(db: Database, store: Store):
    soon = _open(db, store, Channel.LOGGED_IN, 24 * 26, "soon@example.com")  # due in ~4 days
    with db.write() as session:
        request = session.get(Request, soon)
        lifecycle.assign_owner(session, request, actor="boss@shop.test", owner="kim@shop.test")
    first = remind_deadlines(db)
    assert remind_deadlines(db) == 0
    assert first == 2  # the store's address and the owner
    assert _mails(db, "kim@shop.test", "merchant_deadline") == 1
    with db.read() as session:
        body = session.scalar(
            select(OutboxMail.text_body).where(OutboxMail.to_addr == "kim@shop.test")
        )
    assert "is still open and is due on" in body


def test_the_worker_knows_the_reminder_and_bulk_jobs():
    assert GUEST_REMIND_KIND in periodic_jobs()
    assert {GUEST_REMIND_KIND, "bulk"} <= set(job_handlers(Config()))
