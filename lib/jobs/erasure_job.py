"""Jobs that erase Privacy Desk's own copies: a person (customers/redact, a completed erasure),
a whole shop (shop/redact), and closed requests past their retention.

`redact` and `purge_shop` are queued in the transaction that records the request, so the
worker's next run carries them out. A person's other open requests are cancelled explicitly
(their jobs too, each with an audit event naming the erasure), never silently dropped: their
answer would need the data being erased. Export packages are deleted from disk after the
commit; a crash in between leaves files that the retention sweep removes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
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
