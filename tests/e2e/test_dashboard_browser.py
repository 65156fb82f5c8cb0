"""The dashboard in a real browser: guest support switched off refuses a guest on the storefront,
an export runs to completion, a CSV report downloads and parses; a screenshot of every page."""

from __future__ import annotations

import csv
import io
import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from lib.core.config import load_config
from lib.core.db import Database
from lib.core.enums import JobStatus
from lib.core.models import Export, Job, Request, RequestEvent, Store
from lib.core.settings import get_setting
from tests.e2e.conftest import SCREENSHOTS, Stack
from tests.helpers.browser import be, go, open_dashboard, settle, shot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]  # real processes and a browser: ~60 s
EXPORT_TIMEOUT_S = 120


def storefront_as_guest(stack: Stack, db: Database) -> str:
    from lib.intake.links import storefront_link

    with db.read() as session:
        shop = session.scalar(select(Store.shop_domain).order_by(Store.id))
    return storefront_link(load_config(stack.env), shop)


def test_merchant_switches_guest_support_off_and_the_storefront_refuses_guests(page, stack):
    db = Database(stack.database_url)
    page.goto(storefront_as_guest(stack, db))
    expect(page.get_by_label("Email address")).to_be_visible()  # guests welcome at first
    open_dashboard(page, stack)
    be(page, "merchant")
    go(page, "Settings")
    toggle = page.get_by_role("switch", name="Support guest visitors")
    expect(toggle).to_be_checked()
    page.get_by_text("Support guest visitors", exact=True).click()
    expect(toggle).not_to_be_checked()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved").first).to_be_visible()
    with db.read() as session:
        assert get_setting(session, "guest_support") is False
    shot(page, "settings")
    page.goto(storefront_as_guest(stack, db))
    expect(page.get_by_text("log in to your account")).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_count(0)
    shot(page, "storefront-guest-refused")
    db.dispose()


def _verified_access_request(db: Database) -> str:
    with db.read() as session:
        return session.scalar(
            select(Request.reference)
            .where(Request.status == "verified", Request.type == "access")
            .order_by(Request.received_at.desc())
        )


def _finished_export_job(db: Database, stack: Stack) -> Job:
    deadline = time.monotonic() + EXPORT_TIMEOUT_S
    while time.monotonic() < deadline:
        with db.read() as session:
            job = session.scalars(  # the demo's own export jobs are done and older
                select(Job).where(Job.kind == "export").order_by(Job.id.desc()).limit(1)
            ).one()
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return job
        time.sleep(0.2)
    pytest.fail(f"the export job is still {job.status}:\n{stack.log('worker')}")


def test_merchant_starts_an_export_and_watches_it_complete(page, stack):
    db = Database(stack.database_url)
    reference = _verified_access_request(db)
    open_dashboard(page, stack)
    be(page, "merchant")
    go(page, "Requests")
    search = page.locator(".st-key-pd_rq_search input")  # keyed: the table has a "Search" too
    search.fill(reference)
    search.press("Enter")
    expect(page.get_by_text(re.compile(r"· 1 request$"))).to_be_visible()
    page.locator(".st-key-pd_rq_open button").click()
    expect(page.get_by_role("heading", name=reference)).to_be_visible()
    page.get_by_role("button", name="Start export").click()
    expect(page.get_by_text("Export queued").first).to_be_visible()
    shot(page, "request-detail")
    go(page, "Exports")
    job = _finished_export_job(db, stack)
    assert job.status == JobStatus.DONE, f"{job.last_error}\n{stack.log('worker')}"
    deliver = page.get_by_role("button", name="Deliver to customer")
    expect(deliver).to_be_enabled()  # the jobs fragment polled, saw it finish, reran the page
    with db.read() as session:
        assert job.created_by == "merchant@localhost"  # the role survived three page changes
        assert (
            session.scalar(select(func.count()).select_from(Export).where(Export.job_id == job.id))
            == 1
        )
    shot(page, "exports")
    deliver.click()
    page.get_by_role("button", name="Send link").click()
    expect(page.get_by_text("Download link sent").first).to_be_visible()
    with db.read() as session:
        status = session.scalar(select(Request.status).where(Request.reference == reference))
    assert status == "delivered"
    db.dispose()


def test_download_a_csv_report_and_parse_it(page, stack):
    db = Database(stack.database_url)
    open_dashboard(page, stack)
    be(page, "analyst")
    go(page, "Reports")
    expect(page.get_by_role("switch", name="Show identities (email, name)")).to_be_disabled()
    link = page.get_by_role("link", name="Download CSV")
    first = link.get_attribute("href")
    assert first.startswith("/reports/requests.csv?token=")  # the dashboard's own origin
    settle(page)  # a deferred download clicked mid-run downloads nothing
    with page.expect_popup() as popup, page.expect_download() as download:
        link.click()
    text = download.value.path().read_text(encoding="utf-8")
    assert download.value.suggested_filename.startswith("requests_")
    rows = list(csv.DictReader(io.StringIO(text)))
    with db.read() as session:
        total = session.scalar(select(func.count()).select_from(Request))
        event = session.scalars(select(RequestEvent).order_by(RequestEvent.seq.desc())).first()
    assert 0 < len(rows) <= total
    assert {"reference", "received_at", "email", "days_to_respond"} <= set(rows[0])
    assert all(re.fullmatch(r"DSR-\d{4}-\d{6}", r["reference"]) for r in rows)
    assert all("•••" in r["email"] for r in rows)
    assert (event.kind, event.actor) == ("download", "analyst@localhost")
    assert (event.details["rows"], event.details["unmasked"]) == (len(rows), False)
    expect(link).not_to_have_attribute("href", first)  # the click showed a fresh link
    used = popup.value.request.get(stack.dashboard + first)  # the spent link, followed again
    assert used.status == 410 and "already been used" in used.text()
    page.mouse.move(0, 0)  # no tooltip over the page in the screenshot
    shot(page, "reports")
    db.dispose()


PAGES = [
    ("Overview", "overview"),
    ("Requests", "requests"),
    ("Customers", "customers"),
    ("Exports", "exports-admin"),
    ("Reports", "reports-admin"),
    ("Mail", "mail"),
    ("Audit log", "audit"),
    ("Settings", "settings-admin"),
    ("Staff", "staff"),
]


def test_screenshot_every_page(page, stack):
    open_dashboard(page, stack)
    for title, name in PAGES:
        go(page, title)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        shot(page, name)
    go(page, "Reports")
    page.get_by_role("tab", name="Regulatory metrics").click()
    expect(page.get_by_role("button", name="Download metrics CSV")).to_be_visible()
    shot(page, "reports-metrics")
    go(page, "Customers")
    search = page.locator(".st-key-pd_cu_query input")
    search.fill("a")
    search.press("Enter")
    expect(page.get_by_text("More actions")).to_be_visible()
    shot(page, "customers-search")
    assert len(list(SCREENSHOTS.glob("*.png"))) >= len(PAGES)
