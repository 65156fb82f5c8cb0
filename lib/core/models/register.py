"""The per-store processing register: what a shop does with personal data (GDPR Art. 15 info)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lib.core.models.base import Base, utcnow


class ProcessingRegister(Base):
    """One store's register (one row per `stores` row), its sections as one JSON document.

    `reviewed_at` is None while the shipped defaults (or an edit since) have not been confirmed
    by staff: the access report still shows them, and *Deliver to customer* warns.
    """

    __tablename__ = "processing_registers"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), unique=True)
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(320))
