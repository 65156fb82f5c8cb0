"""How each store is connected: its Admin API token (encrypted), its expiry and its state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lib.core.enums import ConnectionMode, ConnectionState
from lib.core.models.base import Base, utcnow


class StoreConnection(Base):
    """One store's connection (one row per `stores` row); tokens are Fernet text, never clear.

    `api_url` is where the store's Admin API answers: `https://{shop}` for a real shop, the demo
    store's address for a demo shop. Expiry instants are None for tokens that do not expire.
    """

    __tablename__ = "store_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), unique=True)
    mode: Mapped[str] = mapped_column(String(24), default=ConnectionMode.STATIC)
    api_url: Mapped[str] = mapped_column(String(255))
    access_token: Mapped[str | None] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    access_expires_at: Mapped[datetime | None]
    refresh_expires_at: Mapped[datetime | None]
    scopes: Mapped[str] = mapped_column(String(1000), default="")
    state: Mapped[str] = mapped_column(String(24), default=ConnectionState.CONNECTED)
    last_error: Mapped[str | None] = mapped_column(String(500))
    connected_at: Mapped[datetime] = mapped_column(default=utcnow)
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
