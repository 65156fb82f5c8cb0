"""Periodic upkeep of the intake: expire never-verified requests, remind guests who have not
verified once, remind the merchant and each request's owner of close deadlines.

Every handler is idempotent (a request expires once; a guest is reminded once, marked on the
request in the same transaction; a deadline reminder's dedupe key names the request, its due
date and the recipient), so a job run twice after a worker crash does no harm.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lib.core.audit import SYSTEM_ACTOR, append_event
from lib.core.db import Database, rowcount
from lib.core.enums import EventKind, Status
from lib.core.lifecycle import transition
from lib.core.models import OutboxMail, RateLimitHit, Request, Store, UsedToken, utcnow
from lib.core.settings import get_setting, spec_for
from lib.jobs.worker import JobContext
from lib.mail.notifications import notify_merchant, request_view, send_verification, store_view
from lib.mail.outbox import queue_mail

EXPIRE_KIND = "expire_unverified"
EXPIRE_INTERVAL_SECONDS = 3600.0
REMIND_KIND = "deadline_reminders"
REMIND_INTERVAL_SECONDS = 3600.0
GUEST_REMIND_KIND = "guest_reminders"
GUEST_REMIND_INTERVAL_SECONDS = 900.0
BATCH = 500
RATE_WINDOW_KEEP_SECONDS = 2 * 3600  # rate-limit windows are one hour


def expire_unverified(ctx: JobContext) -> dict[str, Any]:
    """Job handler: close requests never verified within `unverified_expiry_days`."""
    return expire_unverified_requests(ctx.db, progress=lambda done: ctx.progress(done))


def expire_unverified_requests(
    db: Database, now: datetime | None = None, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Expire overdue unverified requests in batches; also drop spent intake state.

    Used tokens (verification and report links alike) are kept as long as the longest-lived
    link can live, a verification link at its maximum lifetime (so a spent link stays refused
    until it would have expired anyway); rate-limit counters for two windows.
    """
    now = now or utcnow()
    expired = 0
    while True:
        with db.write() as session:
            days = int(get_setting(session, "unverified_expiry_days"))
            stale = session.scalars(
                select(Request)
                .where(
                    Request.status == Status.PENDING_VERIFICATION,
                    Request.received_at < now - timedelta(days=days),
                )
                .order_by(Request.id)
                .limit(BATCH)
            ).all()
            for request in stale:
                transition(
                    session,
                    request,
                    Status.EXPIRED,
                    actor=SYSTEM_ACTOR,
                    reason=f"not verified within {days} days",
                    at=now,
                )
        expired += len(stale)
        if progress is not None:
            progress(expired)
        if len(stale) < BATCH:
            break
    longest = int(spec_for("verification_link_hours").maximum or 720)
    with db.write() as session:
        tokens = rowcount(
            session.execute(
                delete(UsedToken).where(UsedToken.used_at < now - timedelta(hours=longest + 24))
            )
        )
        counters = rowcount(
            session.execute(
                delete(RateLimitHit).where(
                    RateLimitHit.window_start < now - timedelta(seconds=RATE_WINDOW_KEEP_SECONDS)
                )
            )
        )
    return {"expired": expired, "used_tokens_purged": tokens, "rate_limits_purged": counters}


def deadline_reminders(ctx: JobContext) -> dict[str, Any]:
    """Job handler: mail the merchant once per open request that has become due soon."""
    return {"reminded": remind_deadlines(ctx.db)}


def remind_deadlines(db: Database, now: datetime | None = None) -> int:
    """Queue a `deadline` mail for each open request due within `due_soon_days` (not yet past).

    One mail per request and due date: an extended request is reminded again of its new date.
    """
    today = (now or utcnow()).date()
    with db.write() as session:
        if not get_setting(session, "notify_merchant_deadline"):
            return 0
        horizon = today + timedelta(days=int(get_setting(session, "due_soon_days")))
        due = session.scalars(
            select(Request)
            .where(
                Request.closed_at.is_(None),
                Request.due_on >= today,
                Request.due_on <= horizon,
            )
            .order_by(Request.due_on, Request.id)
        ).all()
        keys = {request.id: f"merchant:deadline:{request.id}:{request.due_on}" for request in due}
        sent: set[str | None] = set()
        values = list(keys.values())
        for start in range(0, len(values), BATCH):
            chunk = values[start : start + BATCH]
            sent.update(
                session.scalars(
                    select(OutboxMail.dedupe_key).where(OutboxMail.dedupe_key.in_(chunk))
                )
            )
        stores = {store.id: store for store in session.scalars(select(Store))}
        queued = 0
        for request in due:
            if keys[request.id] in sent:
                continue
            mail = notify_merchant(
                session,
                request,
                stores[request.store_id],
                event="deadline",
                context={"days_left": (request.due_on - today).days},
                dedupe_key=keys[request.id],
            )
            queued += mail is not None
        return queued + _remind_owners(session, due, stores, today)


def _remind_owners(
    session: Session, due: Sequence[Request], stores: dict[int, Store], today: date
) -> int:
    """The same *deadline approaching* mail to each due-soon request's owner, once per due
    date and owner (a request given to someone else reminds them too)."""
    owned = [r for r in due if r.owner_email]
    keys = {r.id: f"owner:deadline:{r.id}:{r.due_on}:{r.owner_email}" for r in owned}
    sent: set[str] = set()
    values = list(keys.values())
    for start in range(0, len(values), BATCH):
        chunk = values[start : start + BATCH]
        sent.update(
            session.scalars(select(OutboxMail.dedupe_key).where(OutboxMail.dedupe_key.in_(chunk)))
        )
    queued = 0
    for request in owned:
        if keys[request.id] in sent:
            continue
        queue_mail(
            session,
            template="merchant_deadline",
            to=str(request.owner_email),
            context={
                "store": store_view(stores[request.store_id]),
                "request": request_view(request),
                "event": "deadline",
                "days_left": (request.due_on - today).days,
            },
            dedupe_key=keys[request.id],
            request_id=request.id,
        )
        queued += 1
    return queued


def guest_reminders(ctx: JobContext) -> dict[str, Any]:
    """Job handler: one reminder to each guest who has not verified after the set delay."""
    return {"reminded": remind_unverified(ctx.db)}


def remind_unverified(db: Database, now: datetime | None = None) -> int:
    """Send the Verify Request mail again, with a new link, to guests still unverified
    `guest_reminder_hours` after asking (0: never); each request once, audited."""
    now = now or utcnow()
    reminded = 0
    while True:
        with db.write() as session:
            hours = int(get_setting(session, "guest_reminder_hours"))
            if hours == 0:
                return reminded
            waiting = session.scalars(
                select(Request)
                .where(
                    Request.status == Status.PENDING_VERIFICATION,
                    Request.reminded_at.is_(None),
                    Request.received_at < now - timedelta(hours=hours),
                )
                .order_by(Request.id)
                .limit(BATCH)
            ).all()
            stores = {store.id: store for store in session.scalars(select(Store))}
            for request in waiting:
                send_verification(session, request, stores[request.store_id])
                request.reminded_at = now
                append_event(
                    session,
                    actor=SYSTEM_ACTOR,
                    kind=EventKind.MAIL,
                    request_id=request.id,
                    reason=f"reminder: not verified {hours} hours after asking",
                    details={"template": "verify", "reminder": True},
                    at=now,
                )
        reminded += len(waiting)
        if len(waiting) < BATCH:
            return reminded
