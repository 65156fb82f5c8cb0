"""One request in full: customer, deadline panel, timeline, exports, deliveries, mails, jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select

from lib.core.db import Database
from lib.core.deadlines import DeadlineState, can_extend
from lib.core.lifecycle import deadline_of, local_date
from lib.core.models import (
    Customer,
    Delivery,
    Export,
    Job,
    OutboxMail,
    Request,
    RequestEvent,
    Store,
)
from lib.dashboard.labels import label
from lib.dashboard.masking import mask_email, mask_name, mask_phone


@dataclass(frozen=True, slots=True)
class DeadlinePanel:
    """The dates that matter for one request and where it stands today."""

    received: date
    legal_due: date
    due: date
    extended_due: date | None
    confirm_by: date | None
    target: date
    state: DeadlineState
    days_left: int | None
    can_extend: bool
    paused_days: int
    """Days the clock stood still so far (UK GDPR Art. 12A), added to the deadline."""
    paused_since: date | None
    """The day the clock was stopped, while it still is."""


@dataclass(frozen=True)
class RequestDetail:
    """Everything the detail view shows; identities already masked when the viewer may not see
    them."""

    request: dict[str, Any]
    store_name: str
    customer: dict[str, Any] | None
    deadline: DeadlinePanel
    events: pd.DataFrame
    exports: pd.DataFrame
    deliveries: pd.DataFrame
    mails: pd.DataFrame
    jobs: pd.DataFrame


def _panel(request: Request, timezone: str, today: date, soon_days: int) -> DeadlinePanel:
    deadline = deadline_of(request, timezone)
    responded = local_date(request.responded_at, timezone) if request.responded_at else None
    left = None if request.closed_at else (request.due_on - today).days
    if responded is not None:
        state = DeadlineState.MET if responded <= request.due_on else DeadlineState.MISSED
    elif left is not None and left < 0:
        state = DeadlineState.OVERDUE
    elif left is not None and left <= soon_days:
        state = DeadlineState.DUE_SOON
    else:
        state = DeadlineState.ON_TRACK
    return DeadlinePanel(
        received=local_date(request.received_at, timezone),
        legal_due=request.legal_due_on,
        due=request.due_on,
        extended_due=request.extended_due_on,
        confirm_by=request.confirm_by_on,
        target=request.target_on,
        state=state,
        days_left=left,
        can_extend=request.is_open
        and request.extended_due_on is None
        and can_extend(deadline, today),
        paused_days=request.paused_days or 0,
        paused_since=local_date(request.paused_since, timezone) if request.paused_since else None,
    )


def _rows(session: Any, query: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in session.execute(query)], columns=columns)


def find_request(db: Database, reference: str) -> int | None:
    """The id of the request with this reference (case-insensitive), or None."""
    with db.read() as session:
        return session.scalar(
            select(Request.id).where(Request.reference == reference.strip().upper())
        )


def request_detail(
    db: Database, request_id: int, *, today: date, soon_days: int = 7, masked: bool = False
) -> RequestDetail | None:
    """The request with everything around it, or None when it does not exist."""
    with db.read() as session:
        request = session.get(Request, request_id)
        if request is None:
            return None
        store = session.get(Store, request.store_id)
        timezone = store.timezone if store else "UTC"
        customer = None
        if request.customer_id:
            customer = session.scalars(
                select(Customer).where(
                    Customer.store_id == request.store_id,
                    Customer.shopify_id == request.customer_id,
                )
            ).first()
        fields = {c.key: getattr(request, c.key) for c in Request.__table__.columns}
        events = _rows(
            session,
            select(
                RequestEvent.at,
                RequestEvent.actor,
                RequestEvent.kind,
                RequestEvent.from_status,
                RequestEvent.to_status,
                RequestEvent.reason,
            )
            .where(RequestEvent.request_id == request_id)
            .order_by(RequestEvent.seq),
            ["at", "actor", "kind", "from", "to", "reason"],
        )
        exports = _rows(
            session,
            select(
                Export.id,
                Export.created_at,
                Export.size_bytes,
                Export.order_count,
                Export.encrypted,
                Export.purged_at,
            )
            .where(Export.request_id == request_id)
            .order_by(Export.id),
            ["id", "created_at", "size_bytes", "orders", "encrypted", "purged_at"],
        )
        deliveries = _rows(
            session,
            select(
                Delivery.id,
                Delivery.export_id,
                Delivery.created_at,
                Delivery.expires_at,
                Delivery.downloads,
                Delivery.max_downloads,
                Delivery.revoked_at,
            )
            .join(Export, Export.id == Delivery.export_id)
            .where(Export.request_id == request_id)
            .order_by(Delivery.id),
            ["id", "export_id", "sent_at", "expires_at", "downloads", "max", "revoked_at"],
        )
        mails = _rows(
            session,
            select(
                OutboxMail.id,
                OutboxMail.created_at,
                OutboxMail.template,
                OutboxMail.to_addr,
                OutboxMail.subject,
                OutboxMail.status,
                OutboxMail.attempts,
            )
            .where(OutboxMail.request_id == request_id)
            .order_by(OutboxMail.id),
            ["id", "created_at", "template", "to", "subject", "status", "attempts"],
        )
        jobs = _rows(
            session,
            select(
                Job.id,
                Job.kind,
                Job.status,
                Job.progress_done,
                Job.progress_total,
                Job.created_at,
                Job.last_error,
            )
            .where(Job.request_id == request_id)
            .order_by(Job.id),
            ["id", "kind", "status", "done", "total", "created_at", "error"],
        )
        panel = _panel(request, timezone, today, soon_days)
        events["what"] = [
            event_sentence(actor, kind, frm, to, reason, channel=request.channel)
            for actor, kind, frm, to, reason in events[
                ["actor", "kind", "from", "to", "reason"]
            ].itertuples(index=False, name=None)
        ]
        person: dict[str, Any] | None = None
        if customer is not None:
            person = {
                "name": " ".join(p for p in (customer.first_name, customer.last_name) if p),
                "email": customer.email,
                "phone": customer.phone,
                "country": customer.country,
                "orders": customer.orders_count,
            }
        if person is None and request.customer_id:
            person = {"name": fields["name"] or "", "email": fields["email"], "phone": None,
                      "country": fields["country"], "orders": None}  # fmt: skip
    if masked:
        fields["email"], fields["name"] = mask_email(fields["email"]), mask_name(fields["name"])
        mails["to"] = mails["to"].map(mask_email)
        if person:
            person.update(
                name=mask_name(person["name"]),
                email=mask_email(person["email"]),
                phone=mask_phone(person["phone"]),
            )
    return RequestDetail(
        fields,
        store.name if store else "?",
        person,
        panel,
        events,
        exports,
        deliveries,
        mails,
        jobs,
    )


_REACHED = {
    "received": "the request was received",
    "pending_verification": "the request was received; a verification link was sent",
    "in_progress": "{who} started the export",
    "ready_for_review": "the export finished: the package is ready for review",
    "delivered": "{who} sent the customer a download link",
    "rejected": "{who} rejected the request",
    "canceled": "{who} cancelled the request",
    "expired": "the request expired: it was never verified",
}
_KIND = {
    "note": "{who} added a note",
    "extended": "{who} extended the deadline",
    "paused": "{who} stopped the clock",
    "resumed": "{who} restarted the clock",
    "duplicate_submit": "the customer asked again while this request was open",
    "owner": "{who} changed the owner",
}


def actor_words(actor: str | None) -> str:
    """Who did it, as a sentence starts: `the customer`, `Privacy Desk`, or the staff email."""
    if actor in (None, "", "system"):
        return "Privacy Desk"
    return "the customer" if actor == "customer" else actor


def event_sentence(
    actor: str | None,
    kind: str,
    before: str | None,
    after: str | None,
    reason: str | None,
    channel: str | None = None,
) -> str:
    """One timeline event as a sentence: `the customer verified the request by email link`."""
    who = actor_words(actor)
    reason = None if reason is None or pd.isna(reason) else str(reason)  # NULL reads as NaN
    if kind == "transition" and after == "verified":
        if before == "in_progress":
            text = "the export stopped and the request went back to verified"
        elif actor == "customer":
            how = {"guest": " by email link", "logged_in": " by logging in to the shop"}
            text = f"the customer verified the request{how.get(channel or '', '')}"
        else:
            text = f"{who} marked the request verified"
    elif kind == "transition" and after == "completed":
        if actor in ("customer", "system"):
            return "the request is completed: the customer has their data"
        text = f"{who} closed the request as completed"
    elif kind == "download" and reason:
        return f"{who}: {reason}"
    elif kind == "download":
        text = "the customer downloaded the package" if actor == "customer" else f"{who} downloaded"
    elif kind == "export":
        text = "Privacy Desk built the package" if who == "Privacy Desk" else f"{who}: export"
    elif kind == "transition" and after in _REACHED:
        text = _REACHED[after].format(who=who)
    elif kind in _KIND:
        text = _KIND[kind].format(who=who)
    else:
        text = f"{who}: {label('event', kind).lower()}"
    return f"{text}: {reason}" if reason else text
