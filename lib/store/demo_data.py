"""Put a known customer with known orders into the demo store's tables.

Tests and the export benchmark use it to build exactly the data they then check, independent of
the demo seeder (`python -m lib demo`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select

from lib.core.db import Database
from lib.core.models import DemoCustomer, DemoLineItem, DemoOrder, utcnow

FINANCIAL = ("paid", "paid", "refunded", "pending")
FULFILLMENT = ("fulfilled", "unfulfilled", "partial")


@dataclass(frozen=True, slots=True)
class DemoCustomerRef:
    """What was inserted: the customer's id and how many orders and line items it got."""

    id: int
    email: str
    orders: int
    line_items: int


def add_demo_customer(
    db: Database,
    *,
    email: str,
    orders: int = 3,
    lines_per_order: int = 3,
    shop_domain: str = "demo-shop.myshopify.com",
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    country: str = "DE",
    province: str | None = None,
    phone: str | None = "+49 30 1234567",
    note: str | None = '=HYPERLINK("http://evil.example")',
    days_back: int = 0,
) -> DemoCustomerRef:
    """Insert one demo customer with `orders` orders of `lines_per_order` lines (bulk insert).

    Orders are spread back over `days_back` days (0: all today). The default note starts with
    `=`, so exports show that formula injection is neutralised.
    """
    now = utcnow()
    with db.write() as session:
        ids = [
            (session.scalar(select(func.max(model.id))) or 0) + 1
            for model in (DemoCustomer, DemoOrder, DemoLineItem)
        ]
        customer_id, order_id, line_id = ids
        session.execute(
            insert(DemoCustomer),
            [
                {
                    "id": customer_id,
                    "shop_domain": shop_domain,
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": email.lower(),
                    "phone": phone,
                    "country": country,
                    "province": province,
                    "city": "Berlin",
                    "address1": "Unter den Linden 1",
                    "zip": "10117",
                    "tags": "vip, newsletter",
                    "note": note,
                    "accepts_marketing": True,
                    "locale": "de",
                    "created_at": now - timedelta(days=days_back + 30),
                }
            ],
        )
        order_rows: list[dict[str, Any]] = []
        line_rows: list[dict[str, Any]] = []
        for n in range(orders):
            at = now - timedelta(seconds=(orders - n) * max(1, days_back * 86400 // max(orders, 1)))
            order_rows.append(_order(order_id + n, customer_id, n, at, country))
            for k in range(lines_per_order):
                line_rows.append(_line(line_id + len(line_rows), order_id + n, k))
        for rows, model in ((order_rows, DemoOrder), (line_rows, DemoLineItem)):
            for start in range(0, len(rows), 5000):
                session.execute(insert(model), rows[start : start + 5000])
    return DemoCustomerRef(customer_id, email.lower(), orders, len(line_rows))


def _order(order_id: int, customer_id: int, n: int, at: datetime, country: str) -> dict:
    return {
        "id": order_id,
        "customer_id": customer_id,
        "name": f"#{1000 + order_id}",
        "created_at": at,
        "financial_status": FINANCIAL[n % len(FINANCIAL)],
        "fulfillment_status": FULFILLMENT[n % len(FULFILLMENT)],
        "currency": "EUR",
        "total_price": Decimal(10 + n % 90) + Decimal("0.99"),
        "shipping_city": "Berlin",
        "shipping_address1": "-Unter den Linden 1" if n == 0 else "Unter den Linden 1",
        "shipping_zip": "10117",
        "shipping_country": country,
    }


def _line(line_id: int, order_id: int, k: int) -> dict:
    return {
        "id": line_id,
        "order_id": order_id,
        "title": ["Wool socks", "@home mug", 'Tea, green "sencha"'][k % 3],
        "sku": f"SKU-{k:03d}",
        "quantity": 1 + k % 3,
        "price": Decimal("4.50") + k,
    }
