"""Connecting a shop in a real browser, then exporting a customer while its tokens keep expiring.

One demo shop is installed the way Shopify installs an app: a signed request to the intake's
`/auth/install`, the demo store's consent page (*Install app*), the signed callback, and the
dashboard's Settings page with the connection. The other is connected with the app's client
credentials. On each, a customer is found on the Customers page and exported while the demo
store's tokens live `TOKEN_LIFETIME_S` seconds and every store answer takes `ANSWER_DELAY_S`:
the export outlasts several tokens and completes across their renewals.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lib.core.config import load_config
from lib.core.db import Database
from lib.core.enums import ConnectionMode, ConnectionState, JobStatus
from lib.core.models import (
    DemoLineItem,
    DemoOrder,
    Export,
    Job,
    Request,
    Store,
    StoreConnection,
)
from lib.jobs.exports import package_passphrase
from lib.security import sign_oauth_query
from lib.store.api import LINES_PER_ORDER
from lib.store.connection import connect_client_credentials
from lib.store.demo_consent import host_parameter
from lib.store.demo_data import add_demo_customer
from tests.e2e.conftest import Stack
from tests.helpers.browser import go, shot
from tests.helpers.export import read_package, rows

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # real processes and a browser
TOKEN_LIFETIME_S = 3
STACK_ENV = {"DEMO_STORE_TOKEN_LIFETIME": str(TOKEN_LIFETIME_S)}
ANSWER_DELAY_S = 0.25
"""Each demo-store answer waits this long during the export, so that it outlasts 3 tokens."""
ORDERS, LINES = 40, LINES_PER_ORDER + 2
"""One page of orders, then one follow-up query per order for the lines the page did not hold:
with the profile and the scopes, 43 answers of ANSWER_DELAY_S, about 11 s."""
INSTALLED = "demo-shop.myshopify.com"
CLIENT_CREDENTIALS = "demo-us.myshopify.com"
EXPORT_TIMEOUT_MS = 120_000


def store_url(stack: Stack, path: str) -> str:
    return stack.env["DEMO_STORE_URL"].rstrip("/") + path


def grants(stack: Stack) -> dict[str, int]:
    """How many tokens the demo store issued per grant (and refused)."""
    return httpx.get(store_url(stack, "/_demo/oauth"), timeout=5).json()


def slow_answers(stack: Stack, seconds: float) -> None:
    body = {"delay": seconds, "delay_rate": 1.0}
    httpx.post(store_url(stack, "/_demo/faults"), json=body, timeout=5).raise_for_status()


def install_link(stack: Stack, shop: str) -> str:
    """The signed request Shopify sends to the app URL when a merchant installs the app."""
    secret = load_config(stack.env).shopify_api_secret
    params = {"host": host_parameter(shop), "shop": shop, "timestamp": str(int(time.time()))}
    return f"{stack.intake}/auth/install?{sign_oauth_query(params, secret)}"


def connection(db: Database, shop: str) -> StoreConnection:
    with db.read() as session:
        return session.scalars(
            select(StoreConnection).join(Store).where(Store.shop_domain == shop)
        ).one()


def store_name(db: Database, shop: str) -> str:
    with db.read() as session:
        return session.scalar(select(Store.name).where(Store.shop_domain == shop))


def latest_reference(db: Database, email: str) -> str:
    with db.read() as session:
        return session.scalar(
            select(Request.reference).where(Request.email == email).order_by(Request.id.desc())
        )


def pick_store(page: Page, name: str) -> None:
    picker = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Store")
    picker.click()
    page.get_by_role("option", name=name, exact=True).click()
    expect(picker).to_have_value(name)


def export_from_customers_page(
    page: Page, stack: Stack, db: Database, shop: str, email: str
) -> None:
    """Customers → search the email → *More actions* → *Export*, then wait on the Exports page
    until the job's row says it ended (the page polls the job table while it runs)."""
    go(page, "Customers")
    pick_store(page, store_name(db, shop))
    search = page.locator(".st-key-pd_cu_query input")
    search.fill(email)
    search.press("Enter")
    page.get_by_text("More actions").click()
    slow_answers(stack, ANSWER_DELAY_S)
    page.get_by_role("button", name="Export", exact=True).click()
    expect(page.get_by_text(f"Export started for {email}").first).to_be_visible()
    reference = latest_reference(db, email)  # the request the click recorded
    go(page, "Exports")
    jobs = page.get_by_test_id("stDataFrame").first  # its grid keeps an a11y table of cells
    named = page.locator("td", has_text=re.compile(rf"^{reference}$"))
    row = jobs.locator("tr").filter(has=named)
    status = row.locator('td[aria-colindex="2"]')  # Request, Status, …
    expect(status).to_have_text(re.compile("done|failed", re.I), timeout=EXPORT_TIMEOUT_MS)
    slow_answers(stack, 0.0)


def check_export(db: Database, stack: Stack, customer_id: int) -> None:
    """The last export job finished with every order and line of the customer; returns it."""
    config = load_config(stack.env)
    with db.read() as session:
        job = session.scalars(
            select(Job).where(Job.kind == "export").order_by(Job.id.desc())
        ).first()
        export = session.scalars(select(Export).where(Export.job_id == job.id)).one()
        orders = set(
            session.scalars(select(DemoOrder.id).where(DemoOrder.customer_id == customer_id))
        )
        lines = set(
            session.scalars(select(DemoLineItem.id).where(DemoLineItem.order_id.in_(orders)))
        )
        passphrase = package_passphrase(config, export)
    assert job.status == JobStatus.DONE and job.attempts == 1, (
        f"{job.last_error}\n{stack.log('worker')}"
    )
    files = read_package(Path(export.path), passphrase)
    assert {int(o["order_id"]) for o in rows(files["orders.csv"])} == orders
    assert {int(i["line_item_id"]) for i in rows(files["order_lines.csv"])} == lines
    assert len(orders) == ORDERS and len(lines) == ORDERS * LINES
    took = (job.finished_at - job.started_at).total_seconds()
    assert took > 3 * TOKEN_LIFETIME_S  # the export outlasted several tokens


def test_install_from_the_shop_then_export_across_token_renewals(page: Page, stack: Stack):
    db = Database(stack.database_url)
    grace = add_demo_customer(
        db, email="grace@example.com", orders=ORDERS, lines_per_order=LINES, shop_domain=INSTALLED,
        first_name="Grace", last_name="Hopper",
    )  # fmt: skip
    page.goto(install_link(stack, INSTALLED))
    expect(page.get_by_role("heading", name="Install app")).to_be_visible()
    expect(page.get_by_text(f"wants to be installed on {INSTALLED}")).to_be_visible()
    shot(page, "install-consent")
    page.get_by_role("button", name="Install app").click()

    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible(timeout=30_000)
    assert page.url == stack.env["DASHBOARD_URL"] + "/settings"
    # The dashboard's frame, though this is the server's first session (pages/ is not run alone).
    expect(page.get_by_text("Local mode · no sign-in")).to_be_visible()
    installed = connection(db, INSTALLED)
    assert installed.mode == ConnectionMode.OAUTH and installed.state == ConnectionState.CONNECTED
    assert installed.refresh_token and installed.access_expires_at is not None
    name = store_name(db, INSTALLED)
    assert name != INSTALLED.removesuffix(".myshopify.com")  # the shop's own name was read
    expect(page.get_by_text(f"{name} ({INSTALLED})")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Connected\b.*Installed from Shopify"))).to_be_visible()
    shot(page, "settings-connected")

    issued = grants(stack)
    export_from_customers_page(page, stack, db, INSTALLED, "grace@example.com")
    check_export(db, stack, grace.id)
    after = grants(stack)
    assert after["authorization_code"] == issued["authorization_code"] == 1
    assert after["refresh_token"] - issued["refresh_token"] >= 3  # renewed during the export
    assert connection(db, INSTALLED).state == ConnectionState.CONNECTED
    db.dispose()


def test_connect_with_client_credentials_then_export_across_token_renewals(
    page: Page, stack: Stack
):
    db = Database(stack.database_url)
    alan = add_demo_customer(
        db, email="alan@example.com", orders=ORDERS, lines_per_order=LINES,
        shop_domain=CLIENT_CREDENTIALS, first_name="Alan", last_name="Turing", country="US",
        province="CA",
    )  # fmt: skip
    connect_client_credentials(db, load_config(stack.env), CLIENT_CREDENTIALS)
    connected = connection(db, CLIENT_CREDENTIALS)
    assert connected.mode == ConnectionMode.CLIENT_CREDENTIALS and connected.refresh_token is None
    page.goto(stack.dashboard)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    go(page, "Settings")
    expect(page.get_by_text(f"({CLIENT_CREDENTIALS})")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Connected\b.*client credentials"))).to_be_visible()

    issued = grants(stack)
    export_from_customers_page(page, stack, db, CLIENT_CREDENTIALS, "alan@example.com")
    check_export(db, stack, alan.id)
    after = grants(stack)
    assert after["client_credentials"] - issued["client_credentials"] >= 3
    assert connection(db, CLIENT_CREDENTIALS).state == ConnectionState.CONNECTED
    db.dispose()
