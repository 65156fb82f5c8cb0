"""Staff's erasure steps, role-checked (no Streamlit): what will be erased and kept, *Erase*,
and *Cancel in Shopify* while Shopify still has the erasure queued.

The plan reads the store live (the customer's last order decides Shopify's hold) and counts
Privacy Desk's own copies; what must be kept says why (GDPR Art. 17(3)(b), CCPA regs §7101).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from lib.core import lifecycle, redaction
from lib.core.audit import append_event
from lib.core.db import Database
from lib.core.enums import EventKind, Status
from lib.core.models import Export, Job, OutboxMail, Request, RequestEvent, Store, utcnow
from lib.dashboard.actions import ActionError, load_request
from lib.dashboard.roles import Actor, Right, require
from lib.jobs import erasure_job
from lib.jobs.queue import cancel
from lib.store import store_client
from lib.store.client import StoreError
from lib.store.erasure import cancel_erasure, erasure_state

KEPT = (
    "Orders and invoices, which Shopify keeps without the customer's identity for the shop's "
    "tax and commercial record keeping (GDPR Art. 17(3)(b)).",
    "Each request's reference, type, dates and outcome, and a keyed hash of the email, so a "
    "repeated request is recognised and the erasure can be proved (CCPA regulations §7101: "
    "records of requests for 24 months).",
)


@dataclass(frozen=True, slots=True)
class ErasurePlan:
    """What *Erase* will do for one request, and where it stands."""

    state: str  # not asked, asked, queued, done, canceled
    expected_on: date | None
    held_by_orders: bool
    store_problem: str | None
    open_others: tuple[str, ...]
    requests: int
    mails: int
    packages: int
    refused: str | None = None
    """Shopify's words when it refused the last *Erase* (the request stays open)."""


def plan(db: Database, actor: Actor, request_id: int) -> ErasurePlan:
    """The erasure's state and what it will touch (reads the store for Shopify's hold)."""
    require(actor, Right.VIEW_REQUESTS)
    with db.read() as session:
        request = load_request(session, request_id)
        store = session.get_one(Store, request.store_id)
        ids = redaction.person_requests(
            session, store.id, email=request.email or None, customer_id=request.customer_id
        )
        others = session.scalars(
            select(Request.reference).where(
                Request.id.in_([i for i in ids if i != request.id]), Request.closed_at.is_(None)
            )
        )
        mails = session.scalar(
            select(func.count()).select_from(OutboxMail).where(OutboxMail.request_id.in_(ids))
        )
        packages = session.scalar(
            select(func.count())
            .select_from(Export)
            .where(Export.request_id.in_(ids), Export.path != "")
        )
        last = session.scalars(
            select(RequestEvent.details)
            .where(
                RequestEvent.request_id == request.id,
                RequestEvent.kind == EventKind.SHOPIFY_ERASURE,
            )
            .order_by(RequestEvent.seq.desc())
            .limit(1)
        ).first()
        last_job = session.execute(
            select(Job.status, Job.last_error)
            .where(Job.request_id == request.id, Job.kind == erasure_job.SHOPIFY_KIND)
            .order_by(Job.id.desc())
            .limit(1)
        ).first()
        open_others = tuple(str(r) for r in others)
        shop, customer_id = store.shop_domain, request.customer_id
    state = str((last or {}).get("state") or "not asked")
    expected = (last or {}).get("expected_on")
    held, problem = False, None
    if customer_id and state in ("not asked", "queued"):
        try:
            now = erasure_state(store_client(None, shop), customer_id, utcnow().date())
            held = now.last_order_on is not None
            expected = expected or (now.expected_on.isoformat() if now.expected_on else None)
        except StoreError as exc:
            problem = f"The store could not be read: {exc}"
    return ErasurePlan(
        state,
        date.fromisoformat(expected) if expected else None,
        held,
        problem,
        open_others,
        len(ids),
        int(mails or 0),
        int(packages or 0),
        last_job.last_error if last_job and last_job.status == "failed" else None,
    )


def erase(db: Database, actor: Actor, request_id: int, *, cancel_open: bool = False) -> list[str]:
    """*Erase*: queue the Shopify erasure (other open requests block it unless cancelled)."""
    require(actor, Right.CLOSE)
    with db.write() as session:
        request = load_request(session, request_id)
        try:
            return erasure_job.start_erasure(
                session, request, actor=actor.email, cancel_open=cancel_open
            )
        except erasure_job.ErasureBlocked as exc:
            raise ActionError(str(exc)) from exc


def cancel_in_shopify(db: Database, actor: Actor, request_id: int) -> None:
    """Cancel the erasure Shopify has queued; the request goes back to verified."""
    require(actor, Right.CLOSE)
    with db.read() as session:
        request = load_request(session, request_id)
        store = session.get_one(Store, request.store_id)
        shop, customer_id = store.shop_domain, request.customer_id
    if customer_id is None:
        raise ActionError(f"{request.reference}: Shopify was not asked to erase anyone yet")
    try:
        cancel_erasure(store_client(None, shop), customer_id)
    except StoreError as exc:
        raise ActionError(str(exc)) from exc
    with db.write() as session:
        request = load_request(session, request_id)
        for job_id in session.scalars(
            select(Job.id).where(
                Job.request_id == request.id,
                Job.kind == erasure_job.FOLLOW_KIND,
                Job.status.in_(erasure_job.ACTIVE),
            )
        ):
            cancel(session, job_id, "erasure cancelled in Shopify")
        append_event(
            session,
            actor=actor.email,
            kind=EventKind.SHOPIFY_ERASURE,
            request_id=request.id,
            details={"state": "canceled"},
        )
        if Status(request.status) is Status.IN_PROGRESS:
            lifecycle.transition(
                session, request, Status.VERIFIED, actor=actor.email, reason="erasure cancelled"
            )
