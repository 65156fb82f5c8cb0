"""Jobs that erase Privacy Desk's own copies: a person (customers/redact, a completed erasure),
a whole shop (shop/redact), and closed requests past their retention.

`redact` and `purge_shop` are queued in the transaction that records the request, so the
worker's next run carries them out. A person's other open requests are cancelled explicitly
(their jobs too, each with an audit event naming the erasure), never silently dropped: their
answer would need the data being erased. Export packages are deleted from disk after the
commit; a crash in between leaves files that the retention sweep removes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lib.core import lifecycle, redaction
from lib.core.audit import SYSTEM_ACTOR, append_event
from lib.core.config import Config
from lib.core.db import Database
from lib.core.enums import EventKind, JobStatus, MailStatus, Status
from lib.core.models import Job, OutboxMail, Request, Store, utcnow
from lib.core.settings import get_setting
from lib.jobs import queue
from lib.jobs.worker import JobContext, PermanentError
from lib.mail import decisions
from lib.store import store_client
from lib.store.api import customer_by_email
from lib.store.erasure import erasure_state, request_erasure
from lib.store.refusals import StoreRefused

SHOPIFY_KIND = "shopify_erasure"
FOLLOW_KIND = "shopify_erasure_follow"
REDACT_KIND = "redact"
PURGE_SHOP_KIND = "purge_shop"
RETENTION_KIND = "identity_retention"
RETENTION_INTERVAL_SECONDS = 86_400.0
RETENTION_BATCH = 500
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


def enqueue_redaction(session: Session, request: Request) -> None:
    """Queue the erasure of the person of `request` (or of its whole shop, for shop/redact)."""
    kind = PURGE_SHOP_KIND if request.type == "shop_erasure" else REDACT_KIND
    queue.enqueue(session, kind, request_id=request.id, dedupe_key=f"{kind}:{request.id}")


class ErasureBlocked(ValueError):
    """The person has other open requests: staff must wait for them or cancel them explicitly."""


def start_erasure(
    session: Session, request: Request, *, actor: str, cancel_open: bool = False
) -> list[str]:
    """Staff's *Erase*: queue the Shopify erasure of a verified erasure request.

    The person's other open requests (an access request still being answered) block it
    unless `cancel_open`, which cancels them and their jobs with the reason; returns their
    references. Raises ErasureBlocked or LifecycleError with a sentence for staff.
    """
    if request.type != "erasure" or Status(request.status) not in (
        Status.VERIFIED,
        Status.IN_PROGRESS,
    ):
        raise lifecycle.LifecycleError(
            f"{request.reference} is a {request.status} {request.type} request: only a verified "
            "erasure request can be carried out"
        )
    ids = redaction.person_requests(
        session, request.store_id, email=request.email or None, customer_id=request.customer_id
    )
    others = list(
        session.scalars(
            select(Request.reference).where(
                Request.id.in_([i for i in ids if i != request.id]), Request.closed_at.is_(None)
            )
        )
    )
    if others and not cancel_open:
        raise ErasureBlocked(
            f"{', '.join(map(str, others))} of the same person is still open: wait until it is "
            "answered, or cancel it together with the erasure"
        )
    canceled = cancel_others(session, request) if others else []
    append_event(
        session,
        actor=actor,
        kind=EventKind.SHOPIFY_ERASURE,
        request_id=request.id,
        details={"state": "asked", "canceled": canceled},
    )
    queue.enqueue(
        session, SHOPIFY_KIND, request_id=request.id, dedupe_key=f"{SHOPIFY_KIND}:{request.id}"
    )
    return canceled


def run_shopify_erasure(ctx: JobContext, config: Config) -> dict[str, Any]:
    """Ask Shopify to erase the request's customer; tell the customer what happens when.

    A refusal (`userErrors`) leaves the request open with Shopify's words on its timeline and
    fails the job at once (nothing to retry until staff act)."""
    with ctx.db.read() as session:
        request, store = _load(session, ctx.job.request_id)
        shop, email, customer_id = store.shop_domain, request.email, request.customer_id
    client = store_client(config, shop)
    if customer_id is None:
        found = customer_by_email(client, email) if email else None
        if found is None:
            _refused(ctx.db, request.id, "Shopify has no customer with this email address")
        customer_id = str(found.id).rsplit("/", 1)[-1]  # type: ignore[union-attr]
    try:
        request_erasure(client, customer_id)
        state = erasure_state(client, customer_id, utcnow().date())
    except StoreRefused as exc:
        _refused(ctx.db, request.id, str(exc))
    with ctx.db.write() as session:
        request, store = _load(session, request.id)
        request.customer_id = customer_id
        if Status(request.status) is Status.VERIFIED:
            lifecycle.transition(
                session, request, Status.IN_PROGRESS, actor=SYSTEM_ACTOR, reason="asked Shopify"
            )
        expected = state.expected_on
        held = expected if state.last_order_on is not None else None
        append_event(
            session,
            actor=SYSTEM_ACTOR,
            kind=EventKind.SHOPIFY_ERASURE,
            request_id=request.id,
            details={"state": "queued", "expected_on": expected.isoformat() if expected else None},
        )
        decisions.on_erasure_scheduled(session, request, store, held_until=held)
        follow_at = _start_of(expected) if expected else utcnow()
        queue.enqueue(
            session,
            FOLLOW_KIND,
            request_id=request.id,
            dedupe_key=f"{FOLLOW_KIND}:{request.id}",
            run_after=follow_at,
            payload={"requested_on": utcnow().date().isoformat()},
        )
    return {"customer_id": customer_id, "expected_on": str(expected)}


def run_follow(ctx: JobContext, config: Config) -> dict[str, Any]:
    """Check Shopify's erasure: done → complete, tell the customer, erase our copies; not yet →
    look again on the expected date."""
    with ctx.db.read() as session:
        request, store = _load(session, ctx.job.request_id)
        shop, customer_id = store.shop_domain, request.customer_id
    if not request.is_open or customer_id is None:
        return {"state": "not followed"}
    requested = datetime.fromisoformat(str(ctx.job.payload["requested_on"])).date()
    state = erasure_state(store_client(config, shop), customer_id, requested)
    with ctx.db.write() as session:
        request, store = _load(session, request.id)
        if not state.done:
            expected = state.expected_on or utcnow().date() + timedelta(days=1)
            later = max(_start_of(expected), utcnow() + timedelta(hours=12))
            queue.enqueue(
                session,
                FOLLOW_KIND,
                request_id=request.id,
                payload=dict(ctx.job.payload),
                run_after=later,
            )
            return {"state": "queued", "expected_on": expected.isoformat()}
        append_event(
            session,
            actor=SYSTEM_ACTOR,
            kind=EventKind.SHOPIFY_ERASURE,
            request_id=request.id,
            details={"state": "done"},
        )
        _complete(session, request)
        decisions.on_completed(session, request, store)
        enqueue_redaction(session, request)
    return {"state": "done"}


def _refused(db: Database, request_id: int, reason: str) -> None:
    """Record Shopify's refusal on the request (it stays open) and fail the job."""
    with db.write() as session:
        request = session.get_one(Request, request_id)
        lifecycle.add_note(session, request, actor=SYSTEM_ACTOR, text=f"Erasure refused: {reason}")
    raise PermanentError(reason)


def _start_of(day: Any) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def run_redact(ctx: JobContext, config: Config) -> dict[str, Any]:
    """Erase the person of the job's request from every table, then delete their packages."""
    with ctx.db.write() as session:
        request, store = _load(session, ctx.job.request_id)
        if request.redacted_at is not None:
            return {"already": True}
        canceled = cancel_others(session, request)
        _complete(session, request)
        done = redaction.redact_person(
            session, store, email=request.email or None, customer_id=request.customer_id
        )
        append_event(
            session,
            actor=SYSTEM_ACTOR,
            kind=EventKind.ERASED,
            request_id=request.id,
            details={**done.summary(), "canceled": len(canceled)},
        )
    _delete(done.files, config)
    return {**done.summary(), "canceled": canceled}


def run_purge_shop(ctx: JobContext, config: Config) -> dict[str, Any]:
    """Erase everything of the job's shop (shop/redact), then delete its packages."""
    with ctx.db.write() as session:
        request, store = _load(session, ctx.job.request_id)
        if store.redacted_at is not None:
            return {"already": True}
        _cancel_jobs(session, Job.request_id.in_(_shop_requests(store)), request.id)
        _complete(session, request)
        done = redaction.redact_shop(session, store)
        append_event(
            session,
            actor=SYSTEM_ACTOR,
            kind=EventKind.ERASED,
            request_id=request.id,
            details={**done.summary(), "shop": True},
        )
    _delete(done.files, config)
    return done.summary()


def run_retention(ctx: JobContext, config: Config) -> dict[str, Any]:
    """Erase the identities of requests closed longer than `identity_retention_months` ago."""
    return redact_retained(ctx.db, config)


def redact_retained(db: Database, config: Config, now: datetime | None = None) -> dict[str, Any]:
    """Identities of closed requests past retention (CCPA regs §7101: 24 months by default),
    in batches; then the sent mails of erased requests (kept only until delivered)."""
    now = now or utcnow()
    total, files = 0, []
    while True:
        with db.write() as session:
            months = int(get_setting(session, "identity_retention_months"))
            cutoff = now - timedelta(days=round(months * 30.44))
            ids = list(
                session.scalars(
                    select(Request.id)
                    .where(Request.closed_at < cutoff, Request.redacted_at.is_(None))
                    .order_by(Request.id)
                    .limit(RETENTION_BATCH)
                )
            )
            if not ids:
                _blank_delivered_mails(session)
                break
            done = redaction.redact_requests(session, ids, now)
            append_event(
                session,
                actor=SYSTEM_ACTOR,
                kind=EventKind.ERASED,
                reason="retention",
                details={**done.summary(), "months": months},
            )
            total += done.requests
            files += done.files
    _delete(files, config)
    return {"requests": total, "exports": len(files)}


def cancel_others(session: Session, request: Request) -> list[str]:
    """Cancel the person's other open requests and their jobs, each with its reason."""
    ids = redaction.person_requests(
        session, request.store_id, email=request.email or None, customer_id=request.customer_id
    )
    others = [i for i in ids if i != request.id]
    if not others:
        return []
    _cancel_jobs(session, Job.request_id.in_(others), request.id)
    canceled = []
    why = f"canceled: the customer's data is erased ({request.reference})"
    for other in session.scalars(
        select(Request).where(Request.id.in_(others), Request.closed_at.is_(None))
    ):
        lifecycle.transition(session, other, Status.CANCELED, actor=SYSTEM_ACTOR, reason=why)
        canceled.append(str(other.reference))
    return canceled


def _cancel_jobs(session: Session, which: Any, erasure_id: int) -> None:
    for job_id in session.scalars(select(Job.id).where(which, Job.status.in_(ACTIVE))):
        queue.cancel(session, job_id, f"canceled: request {erasure_id} erases this data")


def _load(session: Session, request_id: int | None) -> tuple[Request, Store]:
    request = session.get(Request, request_id) if request_id is not None else None
    if request is None:
        raise PermanentError(f"request {request_id} does not exist")
    return request, session.get_one(Store, request.store_id)


def _complete(session: Session, request: Request) -> None:
    """Close the erasure request as done (its events are then erased with the rest)."""
    if request.is_open and Status.COMPLETED in lifecycle.TRANSITIONS[Status(request.status)]:
        lifecycle.transition(
            session, request, Status.COMPLETED, actor=SYSTEM_ACTOR, reason="data erased"
        )


def _shop_requests(store: Store) -> Any:
    return select(Request.id).where(Request.store_id == store.id).scalar_subquery()


def _blank_delivered_mails(session: Session) -> None:
    """Mails of erased requests, once no longer waiting to go out (the notice itself)."""
    erased = select(Request.id).where(Request.redacted_at.is_not(None)).scalar_subquery()
    session.execute(
        update(OutboxMail)
        .where(
            OutboxMail.request_id.in_(erased),
            OutboxMail.to_addr != "",
            OutboxMail.status != MailStatus.PENDING,
        )
        .values(to_addr="", subject="", text_body="", html_body="", last_error=None),
        execution_options={"synchronize_session": False},
    )


def _delete(files: list[str], config: Config) -> None:
    """Delete packages under the export folder (nothing outside it, whatever a row says)."""
    root = config.export_path().resolve()
    for name in files:
        path = Path(name).resolve()
        if path.is_relative_to(root):
            path.unlink(missing_ok=True)
