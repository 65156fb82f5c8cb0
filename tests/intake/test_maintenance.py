"""Intake upkeep run by the worker: never-verified requests expire; deadlines are reminded."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lib.core.audit import verify_chain
from lib.core.config import Config
from lib.core.db import Database
from lib.core.models import (
    OutboxMail,
    RateLimitHit,
    Request,
    RequestEvent,
    Store,
    UsedToken,
    utcnow,
)
from lib.core.settings import set_setting
from lib.intake.submit import submit_guest
from lib.jobs.handlers import chores, job_handlers, periodic_jobs
from lib.jobs.maintenance import (
    EXPIRE_KIND,
    REMIND_KIND,
    deadline_reminders,
    expire_unverified,
    expire_unverified_requests,
    remind_deadlines,
)
from lib.jobs.worker import Worker
from tests.helpers.requests import open_test_row
from tests.intake.conftest import SHOP


def _guest(db: Database, email: str, days_ago: float, limits: int = 0) -> int:
    config = Config(rate_limit_email_per_hour=limits, rate_limit_ip_per_hour=limits)
    at = utcnow() - timedelta(days=days_ago)
    return submit_guest(db, config, shop=SHOP, email=email, address="192.0.2.1", now=at).request_id


def _status(db: Database, request_id: int) -> str:
    with db.read() as session:
        return session.get(Request, request_id).status


def test_the_worker_expires_requests_never_verified_in_time(db: Database, store: Store) -> None:
    old = _guest(db, "old@example.com", days_ago=15)
    recent = _guest(db, "recent@example.com", days_ago=13)
    worker = Worker(db, {EXPIRE_KIND: expire_unverified}, periodic={EXPIRE_KIND: 3600.0})
    assert worker.run_once()  # schedules the periodic job and runs it
    assert (_status(db, old), _status(db, recent)) == ("expired", "pending_verification")
    with db.read() as session:
        event = session.scalars(
            select(RequestEvent).where(RequestEvent.request_id == old).order_by(RequestEvent.seq)
        ).all()[-1]
        assert (event.actor, event.to_status, event.reason) == (
            "system",
            "expired",
            "not verified within 14 days",
        )
        assert session.get(Request, old).closed_at is not None
        assert verify_chain(session).ok
    with db.write() as session:
        set_setting(session, "unverified_expiry_days", 10, "test")
    worker.run_once()  # the next run is scheduled an hour later: nothing yet
    assert _status(db, recent) == "pending_verification"


def test_expiry_also_drops_spent_rate_limit_windows(db: Database, store: Store) -> None:
    _guest(db, "someone@example.com", days_ago=0, limits=5)
    with db.write() as session:
        session.add(RateLimitHit(key="ip:old", window_start=utcnow() - timedelta(hours=5), count=3))
    result = Worker(db, {EXPIRE_KIND: expire_unverified}, periodic={EXPIRE_KIND: 1.0})
    result.run_once()
    with db.read() as session:
        keys = set(session.scalars(select(RateLimitHit.key)))
    assert "ip:old" not in keys and keys  # the current windows stay


def test_expiry_drops_used_tokens_of_every_purpose_once_no_link_can_live(
    db: Database, store: Store
) -> None:
    now = utcnow()
    with db.write() as session:
        for purpose in ("verify", "report"):
            session.add(
                UsedToken(
                    fingerprint=f"{purpose}-old", purpose=purpose, used_at=now - timedelta(days=32)
                )
            )
            session.add(
                UsedToken(
                    fingerprint=f"{purpose}-new", purpose=purpose, used_at=now - timedelta(days=1)
                )
            )
    result = expire_unverified_requests(db, now=now)
    with db.read() as session:
        kept = set(session.scalars(select(UsedToken.fingerprint)))
    assert kept == {"verify-new", "report-new"}  # a spent link stays refused while it could live
    assert result["used_tokens_purged"] == 2


def _open(db: Database, store: Store, received_days_ago: int) -> Request:
    at = utcnow() - timedelta(days=received_days_ago)
    return open_test_row(db, store, name="Ada", actor="test", at=at)


def test_deadline_reminders_go_once_per_request_and_respect_the_toggle(
    db: Database, store: Store
) -> None:
    due_soon = _open(db, store, received_days_ago=27)
    _open(db, store, received_days_ago=1)  # due in about a month: not yet
    assert remind_deadlines(db) == 1
    assert remind_deadlines(db) == 0
    with db.read() as session:
        [mail] = session.scalars(
            select(OutboxMail).where(OutboxMail.template == "merchant_deadline")
        )
    assert mail.to_addr == "owner@demo-shop.test" and due_soon.reference in mail.subject
    assert "day" in mail.text_body and "left" in mail.text_body
    with db.write() as session:
        set_setting(session, "notify_merchant_deadline", False, "test")
        session.execute(OutboxMail.__table__.delete())
    assert remind_deadlines(db) == 0


def test_the_registry_runs_mail_delivery_and_the_upkeep_jobs() -> None:
    config = Config()
    handlers = job_handlers(config)
    assert handlers[EXPIRE_KIND] is expire_unverified
    assert handlers[REMIND_KIND] is deadline_reminders
    assert {EXPIRE_KIND, REMIND_KIND} <= set(periodic_jobs())
    assert any(chore.__name__ == "deliver_mail" for chore in chores(config))
