"""Bulk actions: one staff action applied to many requests, each change audited per request.

The dashboard (`lib.dashboard.bulk`) checks the actor's role and the input, freezes the chosen
request ids and either applies them at once (a few) or queues a `bulk` job (many). Both go
through `apply_batch`: one transaction per batch of requests, each request in a savepoint, so a
request the action does not fit (wrong state, already owned) is skipped with the lifecycle's
reason and the others go on. The job records how far it got in the same transaction as each
batch, so a job taken over after a crash goes on from there and applies nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lib.core import lifecycle
from lib.core.audit import append_event
from lib.core.db import Database, rowcount
from lib.core.enums import EventKind, JobStatus, RejectionCode, Status
from lib.core.lifecycle import LifecycleError
from lib.core.models import Job, Request, Store, utcnow
from lib.jobs.exports import request_export
from lib.jobs.queue import LEASE_SECONDS, enqueue
from lib.jobs.worker import JobContext, LeaseLost, PermanentError
from lib.mail import decisions, notifications

BULK_KIND = "bulk"
BATCH = 200
EXAMPLES = 5


class BulkAction(StrEnum):
    """What a bulk action does to each chosen request."""

    RESEND_VERIFICATION = "resend_verification"
    START_EXPORT = "start_export"
    ASSIGN_OWNER = "assign_owner"
    REJECT_DUPLICATE = "reject_duplicate"
    REJECT_SPAM = "reject_spam"
    CLOSE = "close"
    ADD_NOTE = "add_note"
    MERGE = "merge"  # into the open request whose reference is the text


CLOSABLE = frozenset({Status.VERIFIED, Status.READY_FOR_REVIEW, Status.DELIVERED})
"""A bulk close leaves requests whose export is running (cancel the export first)."""


@dataclass(slots=True)
class Tally:
    """How a bulk action went so far: applied, skipped, and a few skip reasons to show."""

    total: int
    done: int = 0
    skipped: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def seen(self) -> int:
        """Requests handled so far (applied or skipped)."""
        return self.done + self.skipped

    def as_dict(self) -> dict[str, Any]:
        """The job's result (JSON)."""
        return {
            "total": self.total,
            "done": self.done,
            "skipped": self.skipped,
            "examples": self.examples,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, total: int) -> Tally:
        """A tally recorded by an earlier attempt of the job, or a fresh one."""
        if not data:
            return cls(total)
        return cls(total, int(data["done"]), int(data["skipped"]), list(data["examples"]))


def _resend(session: Session, request: Request, store: Store, actor: str) -> None:
    if request.status != Status.PENDING_VERIFICATION:
        raise LifecycleError(f"{request.reference} is not waiting for verification")
    notifications.send_verification(session, request, store)
    append_event(
        session,
        actor=actor,
        kind=EventKind.MAIL,
        request_id=request.id,
        reason="verification link sent again",
        details={"template": "verify"},
    )


def _close(session: Session, request: Request, store: Store, actor: str, text: str) -> None:
    if request.status == Status.IN_PROGRESS:
        raise LifecycleError(f"{request.reference}: its export is running; cancel it first")
    if request.status not in CLOSABLE:
        raise LifecycleError(f"{request.reference} is {request.status}; it cannot be closed")
    lifecycle.transition(session, request, Status.COMPLETED, actor=actor, reason=text or None)
    decisions.on_completed(session, request, store)


def _reject(
    session: Session, request: Request, store: Store, actor: str, code: RejectionCode, text: str
) -> None:
    """The rejection path of a single request: the refusal, and the customer told of it (GDPR
    Art. 12(4)), except spam on an address nobody confirmed (no mail to strangers)."""
    lifecycle.reject(session, request, actor=actor, code=code, text=text)
    if code is not RejectionCode.MANIFESTLY_UNFOUNDED or request.verified_at is not None:
        decisions.on_rejected(session, request, store)


def apply_one(
    session: Session, request: Request, store: Store, action: BulkAction, text: str, actor: str
) -> None:
    """Apply `action` to one request (one audit event); LifecycleError when it does not fit."""
    match action:
        case BulkAction.RESEND_VERIFICATION:
            _resend(session, request, store, actor)
        case BulkAction.START_EXPORT:
            _job, created = request_export(session, request, actor)
            if not created:
                raise LifecycleError(f"{request.reference}: its export is already queued")
        case BulkAction.ASSIGN_OWNER:
            lifecycle.assign_owner(session, request, actor=actor, owner=text or None)
        case BulkAction.REJECT_DUPLICATE:
            _reject(session, request, store, actor, RejectionCode.DUPLICATE, text)
        case BulkAction.REJECT_SPAM:
            spam = RejectionCode.MANIFESTLY_UNFOUNDED
            _reject(session, request, store, actor, spam, f"spam: {text}")
        case BulkAction.CLOSE:
            _close(session, request, store, actor, text)
        case BulkAction.ADD_NOTE:
            lifecycle.add_note(session, request, actor=actor, text=text)
        case BulkAction.MERGE:
            into = session.scalars(select(Request).where(Request.reference == text.upper())).first()
            if into is None:
                raise LifecycleError(f"there is no request {text}")
            lifecycle.merge(session, request, into, actor=actor)


def apply_batch(
    session: Session,
    ids: Sequence[int],
    action: BulkAction,
    text: str,
    actor: str,
    tally: Tally,
) -> None:
    """Apply `action` to the requests `ids` in the caller's transaction, counting into `tally`."""
    stores = {store.id: store for store in session.scalars(select(Store))}
    requests = {r.id: r for r in session.scalars(select(Request).where(Request.id.in_(ids)))}
    for request_id in ids:
        request = requests.get(request_id)
        try:
            if request is None:
                raise LifecycleError(f"request {request_id} no longer exists")
            with session.begin_nested():
                apply_one(session, request, stores[request.store_id], action, text, actor)
        except ValueError as exc:  # LifecycleError and the like: this request is skipped
            tally.skipped += 1
            if len(tally.examples) < EXAMPLES:
                tally.examples.append(str(exc))
        else:
            tally.done += 1


def apply_all(
    db: Database,
    ids: Sequence[int],
    action: BulkAction,
    text: str,
    actor: str,
    *,
    tally: Tally | None = None,
    after_batch: Callable[[Session, Tally], None] | None = None,
) -> Tally:
    """Apply `action` to every id from `tally.seen` on, one transaction per BATCH.

    `after_batch(session, tally)` runs inside each batch's transaction (the job's bookkeeping).
    """
    tally = tally or Tally(len(ids))
    while tally.seen < len(ids):
        batch = ids[tally.seen : tally.seen + BATCH]
        with db.write() as session:
            apply_batch(session, batch, action, text, actor, tally)
            if after_batch is not None:
                after_batch(session, tally)
    return tally


def enqueue_bulk(
    session: Session, ids: Sequence[int], action: BulkAction, text: str, actor: str
) -> Job:
    """Queue the job that applies `action` to `ids` (its progress counts requests)."""
    job, _created = enqueue(
        session,
        BULK_KIND,
        payload={"action": action.value, "ids": list(ids), "text": text, "actor": actor},
        created_by=actor,
    )
    job.progress_total = len(ids)
    return job


def run_bulk(ctx: JobContext) -> dict[str, Any]:
    """Job handler: the queued bulk action, batch by batch, with progress per batch."""
    payload = ctx.job.payload
    try:
        action = BulkAction(payload["action"])
        ids = [int(i) for i in payload["ids"]]
        text, actor = str(payload.get("text", "")), str(payload["actor"])
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentError(f"not a bulk action payload: {exc}") from None
    with ctx.db.read() as session:
        earlier = session.scalar(select(Job.result).where(Job.id == ctx.job.id))
    tally = Tally.from_dict(earlier, len(ids))
    owned = (
        (Job.id == ctx.job.id)
        & (Job.lease_owner == ctx.worker_id)
        & (Job.status == JobStatus.RUNNING)
    )

    def record(session: Session, tally: Tally) -> None:
        """How far the job got, in the batch's own transaction (and the lease renewed)."""
        renewed = session.execute(
            update(Job)
            .where(owned)
            .values(
                progress_done=tally.seen,
                progress_total=tally.total,
                progress_note=f"{tally.done:,} done, {tally.skipped:,} skipped",
                result=tally.as_dict(),
                lease_expires_at=utcnow() + timedelta(seconds=LEASE_SECONDS),
            )
        )
        if rowcount(renewed) != 1:  # rolls the batch back: the new owner redoes it
            raise LeaseLost(f"job {ctx.job.id} is no longer held by {ctx.worker_id}")

    ctx.progress(tally.seen, tally.total, "starting")
    return apply_all(ctx.db, ids, action, text, actor, tally=tally, after_batch=record).as_dict()
