"""Demo-store ids are 64-bit on both databases (migration 0003), like Shopify's numeric ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from lib.core.db import Database
from lib.core.migrate import alembic_config, upgrade
from lib.core.models import DemoCustomer, DemoLineItem, DemoOrder

BIG = 7_000_000_000_001
AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
ID_COLUMNS = {
    ("demo_customers", "id"),
    ("demo_orders", "id"),
    ("demo_orders", "customer_id"),
    ("demo_line_items", "id"),
    ("demo_line_items", "order_id"),
}


def _downgrade(db: Database, revision: str) -> None:
    cfg = alembic_config(db)
    with db.write_connection() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()


def _add_customer(db: Database, customer: int, order: int, line: int) -> None:
    """One customer, order and line item with the given ids (Core inserts, no ORM state)."""
    with db.write() as session:
        session.execute(
            insert(DemoCustomer.__table__),
            {
                "id": customer,
                "shop_domain": "demo-shop.myshopify.com",
                "first_name": "Ada",
                "last_name": "Lovelace",
                "email": f"ada.{customer}@example.com",
                "phone": None,
                "country": "DE",
                "province": None,
                "city": "Berlin",
                "address1": "Unter den Linden 1",
                "zip": "10117",
                "tags": "",
                "note": None,
                "accepts_marketing": False,
                "locale": "de",
                "created_at": AT,
            },
        )
        session.execute(
            insert(DemoOrder.__table__),
            {
                "id": order,
                "customer_id": customer,
                "name": "#1001",
                "created_at": AT,
                "financial_status": "paid",
                "fulfillment_status": "fulfilled",
                "currency": "EUR",
                "total_price": "14.90",
                "shipping_city": "Berlin",
                "shipping_address1": "Unter den Linden 1",
                "shipping_zip": "10117",
                "shipping_country": "DE",
            },
        )
        session.execute(
            insert(DemoLineItem.__table__),
            {
                "id": line,
                "order_id": order,
                "title": "Mug",
                "sku": "MUG",
                "quantity": 1,
                "price": "14.90",
            },
        )


def _chain(db: Database, customer: int) -> tuple[int, int, int, int, int]:
    """(customer id, order id, order's customer id, line id, line's order id) as read back."""
    with db.read() as session:
        return session.execute(
            select(
                DemoCustomer.id,
                DemoOrder.id,
                DemoOrder.customer_id,
                DemoLineItem.id,
                DemoLineItem.order_id,
            )
            .join(DemoOrder, DemoOrder.customer_id == DemoCustomer.id)
            .join(DemoLineItem, DemoLineItem.order_id == DemoOrder.id)
            .where(DemoCustomer.id == customer)
        ).one()


def _pg_types(db: Database) -> dict[tuple[str, str], str]:
    with db.read() as session:
        rows = session.execute(
            text(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name LIKE 'demo_%'"
            )
        ).all()
    return {(t, c): kind for t, c, kind in rows if (t, c) in ID_COLUMNS}


def test_shopify_sized_ids_round_trip(db: Database) -> None:
    _add_customer(db, BIG, BIG + 1, BIG + 2)
    assert _chain(db, BIG) == (BIG, BIG + 1, BIG, BIG + 2, BIG + 1)
    with db.read() as session:
        customer = session.get(DemoCustomer, BIG)
        assert customer is not None and customer.id == BIG


def test_upgrade_from_0002_keeps_data_and_widens_every_id(db: Database) -> None:
    _downgrade(db, "0002")
    if not db.is_sqlite:
        assert set(_pg_types(db).values()) == {"integer"}
        with pytest.raises(DBAPIError, match="out of range"):
            _add_customer(db, BIG, BIG + 1, BIG + 2)
    _add_customer(db, 700_000_001, 500_000_001, 1_400_000_001)
    upgrade(db)
    if not db.is_sqlite:
        assert _pg_types(db) == dict.fromkeys(ID_COLUMNS, "bigint")
    assert _chain(db, 700_000_001) == (
        700_000_001,
        500_000_001,
        700_000_001,
        1_400_000_001,
        500_000_001,
    )
    _add_customer(db, BIG, BIG + 1, BIG + 2)
    assert _chain(db, BIG) == (BIG, BIG + 1, BIG, BIG + 2, BIG + 1)
    with db.write() as session, pytest.raises(DBAPIError):  # the foreign keys still hold
        session.execute(
            insert(DemoLineItem.__table__),
            {"id": BIG + 9, "order_id": BIG + 8, "title": "x", "sku": "x", "quantity": 1,
             "price": "1.00"},
        )  # fmt: skip
