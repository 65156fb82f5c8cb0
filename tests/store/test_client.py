"""The store client against the demo store over real HTTP: data, pacing, retries, errors."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select

from lib.core.db import Database
from lib.core.models import DemoLineItem, DemoOrder
from lib.store import get_customer as facade_get_customer
from lib.store.api import (
    access_scopes,
    customer_by_email,
    customer_profile,
    find_customers,
    get_customer,
    order_pages,
    orders_page_size,
)
from lib.store.client import (
    CustomerNotFound,
    ShopifyClient,
    StoreAccessDenied,
    StoreAuthError,
    StoreUnavailable,
)
from lib.store.demo_data import add_demo_customer
from lib.store.versions import PINNED
from tests.store.helpers import client_for, config_for, post, running_store


def test_find_and_get_customers_with_country_and_province(db: Database, tmp_path) -> None:
    ada = add_demo_customer(db, email="ada@example.com", country="US", province="CA", orders=2)
    with running_store(db) as server, client_for(server) as client:
        (found,) = find_customers(client, "email:ada@example.com")
        assert (found.id, found.email, found.country, found.province) == (
            str(ada.id),
            "ada@example.com",
            "US",
            "CA",
        )
        assert found.name == "Ada Lovelace" and found.orders_count == 2
        assert customer_by_email(client, "ADA@example.com") == found
        assert get_customer(client, ada.id) == found
        assert customer_by_email(client, "nobody@example.com") is None
        with pytest.raises(CustomerNotFound, match="no customer 999999"):
            get_customer(client, 999999)
        profile = customer_profile(client, ada.id)
        assert profile["defaultEmailAddress"]["marketingState"] == "SUBSCRIBED"
        assert profile["tags"] == ["vip", "newsletter"] and len(profile["addresses"]) == 1
        assert access_scopes(client) == ["read_all_orders", "read_customers", "read_orders"]
        config = config_for(server, db, tmp_path)
        assert facade_get_customer(ada.id, "demo-shop.myshopify.com", config).province == "CA"


def test_every_order_and_line_is_paged_through_even_long_orders(sqlite_db: Database) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com", orders=100, lines_per_order=7)
    with running_store(sqlite_db) as server, client_for(server) as client:
        pages = list(order_pages(client, ada.id))
        per_page = orders_page_size(client)  # as many orders as fit one page's cost
    orders = [order for page in pages for order in page.orders]
    assert 1 < per_page < 100 and [len(p.orders) for p in pages[:-1]] == [per_page] * (
        len(pages) - 1
    )
    assert len(pages) == -(-100 // per_page) and not pages[-1].has_next
    assert len(orders) == 100 and len({o["id"] for o in orders}) == 100
    with sqlite_db.read() as session:
        query = select(DemoLineItem.id).join(DemoOrder).where(DemoOrder.customer_id == ada.id)
        expected = {f"gid://shopify/LineItem/{n}" for n in session.scalars(query)}
    got = {line["id"] for order in orders for line in order["lineItems"]}
    assert got == expected and len(got) == 700  # lines beyond the first 5 were fetched too


def test_paces_from_throttle_status_and_is_never_throttled(sqlite_db: Database) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com", orders=300, lines_per_order=2)
    with running_store(sqlite_db, bucket=1000, restore_rate=4000) as server:
        with client_for(server) as client:
            assert sum(len(p.orders) for p in order_pages(client, ada.id)) == 300
        served = httpx.get(f"{server.url}/_demo/stats").json()
    assert client.stats.throttled == 0 and served["throttled"] == 0
    assert client.stats.paced_seconds > 0.1  # it did wait for the bucket to refill


def test_without_pacing_the_same_export_is_throttled(sqlite_db: Database, monkeypatch) -> None:
    """Control for the test above: it would fail if the pacing did nothing."""
    ada = add_demo_customer(sqlite_db, email="ada@example.com", orders=300, lines_per_order=2)
    monkeypatch.setattr(ShopifyClient, "_pace", lambda self, cost: None)
    with (
        running_store(sqlite_db, bucket=1000, restore_rate=4000) as server,
        client_for(server) as client,
    ):
        assert sum(len(p.orders) for p in order_pages(client, ada.id)) == 300
    assert client.stats.throttled > 0  # …and still completes, by retrying THROTTLED


def _found_id(client: ShopifyClient) -> str | None:
    """The id of the customer the store finds by Ada's address (None: not found)."""
    found = customer_by_email(client, "ada@example.com")
    return found.id if found else None


def test_retries_429_after_retry_after_seconds(sqlite_db: Database) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com")
    with running_store(sqlite_db) as server, client_for(server) as client:
        post(server, "/_demo/faults", {"next_429": 2, "retry_after": 0.3})
        started = time.monotonic()
        assert _found_id(client) == str(ada.id)
        elapsed = time.monotonic() - started
    assert client.stats.retries == 2 and elapsed >= 0.6


def test_retries_5xx_dropped_connections_and_timeouts(sqlite_db: Database) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com")
    timeout = httpx.Timeout(0.3, connect=1.0)
    with running_store(sqlite_db) as server, client_for(server, timeout=timeout) as client:
        post(server, "/_demo/faults", {"error_next": 1, "error_status": 503, "drop_next": 1})
        assert _found_id(client) == str(ada.id)
        post(server, "/_demo/faults", {"delay": 1.0, "delay_next": 1, "delay_rate": 0})
        assert _found_id(client) == str(ada.id)
        stats = httpx.get(f"{server.url}/_demo/stats").json()
    assert client.stats.retries == 3
    assert (stats["errors_5xx"], stats["dropped"]) == (1, 1)


def test_persistent_500s_fail_clearly_after_bounded_retries(sqlite_db: Database) -> None:
    with running_store(sqlite_db) as server, client_for(server, max_attempts=4) as client:
        post(server, "/_demo/faults", {"error_rate": 1.0})
        with pytest.raises(StoreUnavailable, match=r"after 4 attempts \(last: HTTP 500\)"):
            find_customers(client, "ada")
        served = httpx.get(f"{server.url}/_demo/stats").json()
    assert served["errors_5xx"] == 4


def test_auth_failures_say_what_to_fix_and_are_not_retried(sqlite_db: Database) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com")
    with running_store(sqlite_db) as server:
        stranger = ShopifyClient(server.url, PINNED, "wrong")
        with stranger, pytest.raises(StoreAuthError, match=r"HTTP 401.*SHOPIFY_ACCESS_TOKEN"):
            find_customers(stranger, "ada")
        assert stranger.stats.requests == 1
        with client_for(server) as client:
            post(server, "/_demo/faults", {"error_next": 1, "error_status": 403})
            with pytest.raises(StoreAuthError, match="HTTP 403"):
                find_customers(client, "ada")
            post(server, "/_demo/scopes", {"scopes": ["read_customers"]})
            with pytest.raises(StoreAccessDenied, match="`read_orders` access scope") as denied:
                list(order_pages(client, ada.id))
    assert denied.value.scope == "read_orders"
