"""Stores in tests: one row as the app keeps it, for the fixtures and the tests that need more."""

from __future__ import annotations

from lib.core.db import Database
from lib.core.models import Store


def make_store(db: Database, domain: str = "demo-shop.myshopify.com") -> Store:
    """Insert a store and return it (detached, attributes loaded)."""
    with db.write() as session:
        shop = Store(
            shop_domain=domain,
            name="Demo Shop",
            default_regime="gdpr",
            timezone="UTC",
            contact_email="owner@demo-shop.test",
        )
        session.add(shop)
    return shop
