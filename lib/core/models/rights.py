"""Correction, opt-out and appeal records beside their request (issue 18).

`correction_asks` keeps what the customer said is wrong (free text and optional structured
values) and, once staff decided, the outcome per field; `appeals` links an appeal request to
the refused one (at most one appeal each) and keeps who refused it, so the reviewer can be
someone else. `demo_customer_privacy` is the demo store's own state for `dataSaleOptOut` and
SMS consent (Shopify keeps these on the customer; the demo seeds no rows, a missing row is the
default: not opted out, SMS never subscribed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lib.core.models.base import Base, utcnow
from lib.core.models.demo_store import ShopifyId


class CorrectionAsk(Base):
    """What a correction request asks to change, and what staff decided per field."""

    __tablename__ = "correction_asks"

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    statement: Mapped[str] = mapped_column(Text)
    fields: Mapped[dict[str, Any] | None]
    """Structured values asked for: first_name, last_name, email, phone, address1, city, zip,
    province_code, country_code (only those the customer gave)."""
    outcome: Mapped[dict[str, Any] | None]
    """field → {"applied": bool, "old": ..., "new": ..., "reason": ...} once decided."""
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None]


class Appeal(Base):
    """An appeal request (`request_id`) against a refused request of the same customer."""

    __tablename__ = "appeals"

    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    refused_request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    refused_by: Mapped[str] = mapped_column(String(320))
    statement: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DemoCustomerPrivacy(Base):
    """The demo store's privacy state of one customer (Shopify: `dataSaleOptOut`, SMS consent)."""

    __tablename__ = "demo_customer_privacy"

    customer_id: Mapped[int] = mapped_column(
        ShopifyId, ForeignKey("demo_customers.id"), primary_key=True, autoincrement=False
    )
    data_sale_opt_out: Mapped[bool] = mapped_column(default=False)
    sms_marketing_state: Mapped[str] = mapped_column(String(16), default="NOT_SUBSCRIBED")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
