"""Operational tables: settings and their history, jobs, mail outbox, exports, webhooks, staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lib.core.models.base import Base, utcnow

ACTIVE_JOB = text("status IN ('queued', 'running')")


class Setting(Base):
    """A merchant preference changed at run time (declared in `lib.core.settings`)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(Text)  # JSON text
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(320))


class SettingChange(Base):
    """One audited setting change: who, when, before and after."""

    __tablename__ = "setting_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)


class Job(Base):
    """Background work claimed by workers under a lease; `dedupe_key` keeps one active copy."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index(
            "uq_jobs_active_dedupe",
            "kind",
            "dedupe_key",
            unique=True,
            sqlite_where=ACTIVE_JOB,
            postgresql_where=ACTIVE_JOB,
        ),
        Index("ix_jobs_claim", "status", "run_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    progress_note: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]
    created_by: Mapped[str] = mapped_column(String(320), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class OutboxMail(Base):
    """A mail written in the same transaction as the change that caused it; sent by the worker."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    template: Mapped[str] = mapped_column(String(48))
    to_addr: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class Export(Base):
    """A built export package (ZIP on disk) for one request."""

    __tablename__ = "exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    path: Mapped[str] = mapped_column(String(500))
    size_bytes: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    encrypted: Mapped[bool] = mapped_column(default=False)
    order_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[datetime | None]


class Delivery(Base):
    """An expiring, revocable download link sent to the customer for one export."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    export_id: Mapped[int] = mapped_column(ForeignKey("exports.id"), index=True)
    token_fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    max_downloads: Mapped[int] = mapped_column(default=3)
    downloads: Mapped[int] = mapped_column(default=0)
    last_download_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookReceipt(Base):
    """Every compliance-webhook delivery, valid or not; the webhook id makes replays harmless."""

    __tablename__ = "webhook_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    topic: Mapped[str] = mapped_column(String(64))
    shop_domain: Mapped[str | None] = mapped_column(String(255))
    signature_valid: Mapped[bool]
    outcome: Mapped[str] = mapped_column(String(24))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"))
    body_sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsedToken(Base):
    """Single-use links: a token's fingerprint is stored when it is first spent."""

    __tablename__ = "used_tokens"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    used_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffRole(Base):
    """Email → role mapping for signed-in staff (admin, compliance, merchant, analyst)."""

    __tablename__ = "staff_roles"
    __table_args__ = (Index("uq_staff_roles_issuer_subject", "issuer", "subject", unique=True),)

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The account that first signed in with this (verified) email; later sign-ins must match.
    issuer: Mapped[str | None] = mapped_column(String(500))
    subject: Mapped[str | None] = mapped_column(String(255))
    bound_at: Mapped[datetime | None]


class RateLimitHit(Base):
    """Fixed-window counters kept in the database so every intake replica shares them."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=0)
