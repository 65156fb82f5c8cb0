"""Fixtures of the intake tests: the real app under uvicorn on 127.0.0.1, a real SMTP server,
a store with customers in the demo tables."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from lib.core.config import Config
from lib.core.db import Database
from lib.core.models import Customer, DemoCustomer, OutboxMail, Request, Store
from lib.intake.app import create_app
from lib.intake.links import signed_query
from lib.mail.delivery import deliver_pending
from tests.mail.smtp_sink import SmtpSink
from tests.servers import loopback_socket, serve_in_thread

SHOP = "demo-shop.myshopify.com"
PROXY_SECRET = "test-proxy-secret"
MERCHANT = "owner@demo-shop.test"
"""The test store's own contact address (make_store), where its merchant notifications go."""
ADA = ("101", "Ada", "Lovelace", "ada@example.com", "DE")
sqlite_only = pytest.mark.parametrize("db", ["sqlite"], indirect=True)
"""For HTTP-level behaviour: the data-layer twins of these tests run on both databases."""
HOSTILE_NAME = "<script>alert(1)</script>{{ shop.name }}{% layout none %}"


def add_customer(
    db: Database, customer_id: str, first: str, last: str, email: str, country: str = "DE"
) -> None:
    """A customer of SHOP as the store sync keeps it (the intake reads only this table)."""
    with db.write() as session:
        store = session.scalars(select(Store).where(Store.shop_domain == SHOP)).one()
        session.add(
            Customer(
                store_id=store.id,
                shopify_id=customer_id,
                first_name=first,
                last_name=last,
                email=email,
                country=country,
            )
        )


def add_demo_customer(db: Database, customer_id: str, first: str, last: str, email: str) -> None:
    """A customer that only the demo store knows (not synced yet)."""
    with db.write() as session:
        session.add(
            DemoCustomer(
                id=int(customer_id),
                shop_domain=SHOP,
                first_name=first,
                last_name=last,
                email=email,
                phone=None,
                country="FR",
                province=None,
                city="Lyon",
                address1="Rue 1",
                zip="69001",
                created_at=datetime(2024, 1, 1, tzinfo=UTC),
            )
        )


@dataclass
class Intake:
    """A running intake service and what a test needs around it."""

    base: str
    config: Config
    db: Database
    http: httpx.Client
    smtp: SmtpSink | None

    def page_url(
        self, customer_id: str | None = None, *, liquid: bool = False, **extra: str
    ) -> str:
        """A freshly signed storefront URL (path + query) as the app proxy would forward it."""
        params = dict(extra) if liquid else {"view": "page", **extra}
        query = signed_query(self.config, SHOP, customer_id, extra=params)
        return f"{self.config.app_proxy_prefix}?{query}"

    def api_url(self, path: str, customer_id: str | None = None) -> str:
        query = signed_query(self.config, SHOP, customer_id)
        return f"{self.config.app_proxy_prefix}/api/{path}?{query}"

    def deliver(self) -> int:
        """One round of the worker's mail chore."""
        return deliver_pending(self.db, self.config)

    def requests(self) -> list[Request]:
        with self.db.read() as session:
            return list(session.scalars(select(Request).order_by(Request.id)))

    def outbox(self) -> list[OutboxMail]:
        with self.db.read() as session:
            return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))

    def count(self, model: Any) -> int:
        with self.db.read() as session:
            return session.scalar(select(func.count()).select_from(model))


@contextmanager
def running_intake(
    db: Database, smtp: SmtpSink | None = None, **overrides: Any
) -> Iterator[Intake]:
    """Serve create_app(db, config) with uvicorn on a socket bound to 127.0.0.1:0."""
    sock = loopback_socket()
    port = sock.getsockname()[1]
    config = Config(
        database_url=db.url,
        public_base_url=f"http://127.0.0.1:{port}",
        smtp_url=smtp.url if smtp else "",
        shopify_api_secret=PROXY_SECRET,
        token_secret="test-token-secret",
        mail_from="Demo Shop <privacy@demo-shop.test>",
    )
    config = config.replace(**overrides)
    with (
        serve_in_thread(create_app(db, config), sock) as base,
        httpx.Client(base_url=base, timeout=10) as http,
    ):
        yield Intake(base, config, db, http, smtp)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def shop(db: Database, store: Store) -> Store:
    """The store with two customers: Ada, and one whose name is hostile markup."""
    add_customer(db, *ADA)
    add_customer(db, "666", HOSTILE_NAME, "Mallory", "mallory@example.com")
    return store


@pytest.fixture
def make_intake(db: Database, shop: Store, smtp: SmtpSink) -> Iterator[Callable[..., Intake]]:
    """Start intake services with config overrides (all stopped at the end of the test)."""
    stack: list[Any] = []

    def start(**overrides: Any) -> Intake:
        manager = running_intake(db, smtp, **overrides)
        stack.append(manager)
        return manager.__enter__()

    yield start
    for manager in reversed(stack):
        manager.__exit__(None, None, None)


@pytest.fixture
def intake(make_intake: Callable[..., Intake]) -> Intake:
    """A running intake service with mail delivered to the `smtp` sink."""
    return make_intake()


VERIFY_LINK = re.compile(r"https?://\S+/verify\?token=[A-Za-z0-9_.\-]+")


def verify_link(text: str) -> str:
    """The Verify Request link in a mail's text part."""
    match = VERIFY_LINK.search(text)
    assert match, text
    return match.group(0)
