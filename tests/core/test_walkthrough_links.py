"""`python -m lib links --count N`: N customers even once one of them has been synced (a
logged-in request syncs its customer into `customers`)."""

from __future__ import annotations

from datetime import UTC, datetime

from lib.core.config import Config
from lib.core.db import Database
from lib.core.demo import seed_demo
from lib.core.models import Customer, DemoCustomer, Store
from lib.intake.links import walkthrough_links


def test_count_customers_once_one_is_synced(db: Database):
    seed_demo(db, requests=0, now=datetime(2026, 6, 15, tzinfo=UTC), progress=False)
    with db.write() as session:
        store = session.query(Store).order_by(Store.id).first()
        first = session.query(DemoCustomer).filter_by(shop_domain=store.shop_domain).first()
        session.add(
            Customer(
                store_id=store.id,
                shopify_id=str(first.id),
                email=first.email,
                first_name=first.first_name,
                last_name=first.last_name,
            )
        )
    with db.read() as session:
        links = walkthrough_links(session, Config(token_secret="t" * 32), customers=5)
    customers = [link.label for link in links if link.label.startswith("as customer")]
    assert len(customers) == 5 and len(set(customers)) == 5
    assert str(first.id) in customers[0]
