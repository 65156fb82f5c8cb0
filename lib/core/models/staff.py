"""Signed-in staff sessions, recorded server side.

The identity cookie Streamlit sets at sign-in lives 30 days in the browser and cannot be taken
back; a row per sign-in can. Every dashboard run checks its row, so signing out or losing the
role ends the session on every replica at once, and a copied cookie stops working with it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lib.core.models.base import Base, utcnow


class StaffSession(Base):
    """One sign-in: the provider's issuer and subject, the email it showed, its lifetime."""

    __tablename__ = "staff_sessions"
    __table_args__ = (Index("ix_staff_sessions_issuer_subject", "issuer", "subject"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the sign-in
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
