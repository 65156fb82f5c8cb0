"""Stores, their customers, data-subject requests and the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lib.core.models.base import Base, utcnow

REFERENCE_PREFIX = "DSR"


def make_reference(request_id: int, received: datetime | date) -> str:
    """Human reference of a request, e.g. DSR-2026-000123 (unique because the id is)."""
    return f"{REFERENCE_PREFIX}-{received.year}-{request_id:06d}"


class Store(Base):
    """A shop served by this installation (multi-store from day one)."""

    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_regime: Mapped[str] = mapped_column(String(16), default="gdpr")
    country: Mapped[str | None] = mapped_column(String(2))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    request_types: Mapped[list[Any] | None]  # offered on its storefront (lib.core.request_types)
    redacted_at: Mapped[datetime | None]  # shop/redact carried out: nothing of the shop is left


class Customer(Base):
    """What we know of a store customer (synced from the store; drives the regime)."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("store_id", "shopify_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    shopify_id: Mapped[str] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str | None] = mapped_column(String(2))
    subdivision: Mapped[str | None] = mapped_column(String(8))
    orders_count: Mapped[int] = mapped_column(default=0)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)


class Request(Base):
    """One data-subject request. `received_at` never changes; due dates come from deadlines."""

    __tablename__ = "requests"
    __table_args__ = (
        Index(
            "ix_requests_open_due",
            "due_on",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        Index("ix_requests_store_received", "store_id", "received_at"),
        Index("ix_requests_due_on_id", "due_on", "id"),  # Requests table sorted by days left
        Index("ix_requests_owner_due", "owner_email", "due_on"),  # My requests
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(24), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    type: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), index=True)
    regime: Mapped[str] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2))
    subdivision: Mapped[str | None] = mapped_column(String(8))
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[str | None] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(index=True)
    verified_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    due_on: Mapped[date]
    legal_due_on: Mapped[date]
    extended_due_on: Mapped[date | None]
    extended_at: Mapped[datetime | None]
    extension_reason: Mapped[str | None] = mapped_column(Text)
    confirm_by_on: Mapped[date | None]
    target_on: Mapped[date]
    paused_days: Mapped[int] = mapped_column(default=0)
    paused_since: Mapped[datetime | None]
    rejection_code: Mapped[str | None] = mapped_column(String(32))
    rejection_text: Mapped[str | None] = mapped_column(Text)
    shopify_request_id: Mapped[str | None] = mapped_column(String(40))
    orders_requested: Mapped[list[Any] | None]
    contract_due_on: Mapped[date | None]
    locale: Mapped[str | None] = mapped_column(String(16))  # the customer's language (i18n)
    owner_email: Mapped[str | None] = mapped_column(String(320))  # staff looking after it
    reminded_at: Mapped[datetime | None]  # the one reminder to an unverified guest
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    email_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # lib.core.identity
    redacted_at: Mapped[datetime | None]  # identity erased (lib.core.redaction)

    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.seq"
    )

    @property
    def is_open(self) -> bool:
        """Still needs work (not completed, rejected, canceled or expired)."""
        return self.closed_at is None


class StaffIntake(Base):
    """How a request recorded by staff arrived, and how the person's identity was checked.

    `identity_check` empty means staff sent the *Verify Request* link instead: the request
    waits for the customer like a guest's.
    """

    __tablename__ = "staff_intakes"

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    medium: Mapped[str] = mapped_column(String(16))  # lib.core.enums.StaffMedium
    recorded_by: Mapped[str] = mapped_column(String(320))
    identity_check: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RequestEvent(Base):
    """An append-only, hash-chained audit event (request transitions and staff actions).

    `seq` orders the one chain of the installation; `hash` covers every field and `prev_hash`,
    so an edited, inserted or removed event breaks the chain (see `lib.core.audit`).
    """

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None]
    payload_salt: Mapped[str | None] = mapped_column(String(32))  # erased with the text
    payload_digest: Mapped[str | None] = mapped_column(String(64))  # what the hash covers
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    request: Mapped[Request | None] = relationship(back_populates="events")


class AuditHead(Base):
    """The chain's tip: one row, locked while an event is appended so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
