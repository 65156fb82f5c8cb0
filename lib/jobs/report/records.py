"""What Privacy Desk itself holds about the person: their requests, the mails sent to them, what
was done on each request and when, and their download links.

Art. 15 covers the controller's own records too, and `customers/data_request` asks the app for
exactly these. Staff appear by role, never by name or email: the person is owed their own data,
not the staff's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lib.core.audit import CUSTOMER_ACTOR, SYSTEM_ACTOR
from lib.core.models import Delivery, Export, OutboxMail, Request, RequestEvent, StaffRole

SHOPIFY_ACTOR = "shopify"
REASON_KINDS = frozenset({"extended", "paused", "resumed"})
"""Events whose reason was written for the person (the deadline and why it moved)."""


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One of the person's requests, as the register holds it (raw codes; labelled later)."""

    reference: str
    type: str
    channel: str
    status: str
    received_at: datetime
    verified_at: datetime | None
    responded_at: datetime | None
    closed_at: datetime | None
    due_on: date
    regime: str
    rejection_code: str | None
    orders_requested: tuple[str, ...]

    def row(self) -> tuple[Any, ...]:
        """The requests.csv row (the package's COLUMNS order)."""
        return (
            self.reference, self.type, self.channel, self.status, self.received_at,
            self.verified_at, self.responded_at, self.closed_at, self.due_on, self.regime,
            self.rejection_code,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class MailRecord:
    """A mail sent (or queued) to the person: when, what about, and its text."""

    reference: str | None
    at: datetime
    sent_at: datetime | None
    purpose: str
    subject: str
    text: str


@dataclass(frozen=True, slots=True)
class EventRecord:
    """Something done on one of their requests: when, by which role, what."""

    reference: str | None
    at: datetime
    by: str
    """`customer`, `system`, `shopify`, or `staff:<role>` (never a staff member's identity)."""
    kind: str
    to_status: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """A download link sent to them and what became of it."""

    reference: str | None
    sent_at: datetime
    expires_at: datetime
    downloads: int
    max_downloads: int
    last_download_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class PersonRecords:
    """Everything Privacy Desk holds about one person in one store."""

    requests: tuple[RequestRecord, ...]
    mails: tuple[MailRecord, ...]
    events: tuple[EventRecord, ...]
    links: tuple[LinkRecord, ...]


def collect(session: Session, store_id: int, email: str) -> PersonRecords:
    """The person's records in `store_id`, keyed by their email (case-insensitive)."""
    address = email.strip().lower()
    requests = session.scalars(
        select(Request)
        .where(Request.store_id == store_id, func.lower(Request.email) == address)
        .order_by(Request.received_at, Request.id)
    ).all()
    references = {r.id: r.reference or str(r.id) for r in requests}
    ids = list(references)
    mails = session.scalars(
        select(OutboxMail)
        .where(func.lower(OutboxMail.to_addr) == address)
        .where(OutboxMail.request_id.in_(ids) | OutboxMail.request_id.is_(None))
        .order_by(OutboxMail.created_at, OutboxMail.id)
    ).all()
    events = session.scalars(
        select(RequestEvent).where(RequestEvent.request_id.in_(ids)).order_by(RequestEvent.seq)
    ).all()
    links = session.execute(
        select(Delivery, Export.request_id)
        .join(Export, Export.id == Delivery.export_id)
        .where(Export.request_id.in_(ids))
        .order_by(Delivery.created_at, Delivery.id)
    ).all()
    roles = _roles(session, {e.actor for e in events})
    return PersonRecords(
        requests=tuple(_request(r, references[r.id]) for r in requests),
        mails=tuple(
            MailRecord(
                references.get(m.request_id or 0),
                m.created_at,
                m.sent_at,
                m.template,
                m.subject,
                m.text_body,
            )
            for m in mails
        ),
        events=tuple(
            EventRecord(
                references.get(e.request_id or 0),
                e.at,
                _by(e.actor, roles),
                e.kind,
                e.to_status,
                e.reason if e.kind in REASON_KINDS or e.to_status == "rejected" else None,
            )
            for e in events
        ),
        links=tuple(
            LinkRecord(
                references.get(request_id),
                d.created_at,
                d.expires_at,
                d.downloads,
                d.max_downloads,
                d.last_download_at,
                d.revoked_at,
            )
            for d, request_id in links
        ),
    )


def _request(r: Request, reference: str) -> RequestRecord:
    return RequestRecord(
        reference, r.type, r.channel, r.status, r.received_at, r.verified_at, r.responded_at,
        r.closed_at, r.due_on, r.regime, r.rejection_code,
        tuple(str(o) for o in r.orders_requested or ()),
    )  # fmt: skip


def _roles(session: Session, actors: Iterable[str]) -> dict[str, str]:
    staff = [a.lower() for a in actors if "@" in a]
    if not staff:
        return {}
    rows = session.execute(
        select(StaffRole.email, StaffRole.role).where(StaffRole.email.in_(staff))
    )
    return {email: role for email, role in rows}


def _by(actor: str, roles: dict[str, str]) -> str:
    if actor in (CUSTOMER_ACTOR, SYSTEM_ACTOR, SHOPIFY_ACTOR):
        return actor
    return f"staff:{roles.get(actor.lower(), 'staff')}"
