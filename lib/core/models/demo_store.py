"""The bundled demo store's own data: synthetic customers, orders and line items.

These tables stand in for a Shopify shop. Only the demo store server and the demo seeder use
them; Privacy Desk itself reads customers and orders through the store API like any shop.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lib.core.models.base import Base

ShopifyId = BigInteger().with_variant(Integer(), "sqlite")
"""A Shopify numeric id (64-bit, e.g. 7000000000001): `bigint` on PostgreSQL; on SQLite plain
INTEGER, which is 64-bit already and, as the primary key, the table's rowid."""


class DemoCustomer(Base):
    """A synthetic shop customer; `id` plays the role of Shopify's numeric customer id."""

    __tablename__ = "demo_customers"

    id: Mapped[int] = mapped_column(ShopifyId, primary_key=True, autoincrement=False)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2))
    province: Mapped[str | None] = mapped_column(String(8))
    city: Mapped[str] = mapped_column(String(120))
    address1: Mapped[str] = mapped_column(String(200))
    zip: Mapped[str] = mapped_column(String(20))
    tags: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str | None] = mapped_column(Text)
    accepts_marketing: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(String(10), default="en")
    created_at: Mapped[datetime]


class DemoOrder(Base):
    """A synthetic order of a demo customer."""

    __tablename__ = "demo_orders"

    id: Mapped[int] = mapped_column(ShopifyId, primary_key=True, autoincrement=False)
    customer_id: Mapped[int] = mapped_column(ShopifyId, ForeignKey("demo_customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    financial_status: Mapped[str] = mapped_column(String(24))
    fulfillment_status: Mapped[str] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(3))
    total_price: Mapped[str] = mapped_column(Numeric(12, 2))
    shipping_city: Mapped[str] = mapped_column(String(120))
    shipping_address1: Mapped[str] = mapped_column(String(200))
    shipping_zip: Mapped[str] = mapped_column(String(20))
    shipping_country: Mapped[str] = mapped_column(String(2))


class DemoLineItem(Base):
    """One line of a demo order."""

    __tablename__ = "demo_line_items"

    id: Mapped[int] = mapped_column(ShopifyId, primary_key=True, autoincrement=False)
    order_id: Mapped[int] = mapped_column(ShopifyId, ForeignKey("demo_orders.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str] = mapped_column(String(40))
    quantity: Mapped[int]
    price: Mapped[str] = mapped_column(Numeric(12, 2))


class DemoRecord(Base):
    """Another block Shopify holds about a demo customer, as the Admin API fields it serves:
    `kind` is `metafield` (namespace, key, type, value), `draft_order` (name, status, total,
    currency) or `store_credit` (balance, currency)."""

    __tablename__ = "demo_records"

    id: Mapped[int] = mapped_column(ShopifyId, primary_key=True, autoincrement=False)
    customer_id: Mapped[int] = mapped_column(ShopifyId, ForeignKey("demo_customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[datetime]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
