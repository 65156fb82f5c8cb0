"""Each role's main task in a real browser, from Overview to done, with screenshots at 1440 px:
the merchant (request → export → review → deliver → the customer downloads), the compliance
officer (overdue → reject; extend; UK clock stop) and the analyst (charts → metrics CSV)."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from lib.core.db import Database
from lib.core.enums import Channel, RequestType, Status
from lib.core.lifecycle import NewRequest, open_request
from lib.core.models import OutboxMail, Request, Store, utcnow
from tests.e2e.conftest import Stack
from tests.helpers.browser import be, go, open_dashboard, settle, shot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
EXPORT_TIMEOUT_MS = 120_000
DOWNLOAD_LINK = re.compile(r"https?://\S+/download/[\w.-]+")
REVIEW_LINK = re.compile(r"https?://\S+/request\?ref=DSR-[\d-]+")


def _reference(db: Database, *where: object) -> str:
    with db.read() as session:
        return session.scalar(
            select(Request.reference).where(*where).order_by(Request.received_at.desc()).limit(1)
        )


def _status(db: Database, reference: str) -> str:
    with db.read() as session:
        return session.scalar(select(Request.status).where(Request.reference == reference))


def _mail_text(db: Database, reference: str, template: str | None = None) -> str:
    """Every mail about the request (of one template), as one text."""
    query = (
        select(OutboxMail.text_body)
        .join(Request, Request.id == OutboxMail.request_id)
        .where(Request.reference == reference)
    )
    if template:
        query = query.where(OutboxMail.template == template)
    with db.read() as session:
        return "\n".join(session.scalars(query))


def _open_request(page: Page, reference: str) -> None:
    """Requests → search the reference → *Open*: the request page."""
    go(page, "Requests")
    page.get_by_role("textbox", name=re.compile("Search")).fill(reference)
    page.keyboard.press("Enter")
    expect(page.get_by_role("combobox", name="Open request")).to_have_value(reference)
    page.get_by_test_id("stBaseButton-primary").filter(has_text="Open").click()
    expect(page.get_by_role("heading", name=reference, exact=True)).to_be_visible()


def test_merchant_exports_reviews_and_delivers_then_the_customer_downloads(
    page: Page, stack: Stack
) -> None:
    db = Database(stack.database_url)
    reference = _reference(
        db, Request.status == Status.VERIFIED, Request.type == RequestType.ACCESS,
        Request.customer_id.is_not(None),
    )  # fmt: skip
    open_dashboard(page, stack)
    be(page, "merchant")
    shot(page, "overview")
    go(page, "Requests")
    shot(page, "requests")  # reference, customer, type, status, due and days left at 1440 px
    _open_request(page, reference)
    page.get_by_role("button", name="Start export").click()
    heading = page.get_by_role("heading", name=re.compile(rf"^Package {reference} of "))
    expect(heading).to_be_visible(timeout=EXPORT_TIMEOUT_MS)
    assert _status(db, reference) == Status.READY_FOR_REVIEW
    (review,) = {
        m.group(0) for m in REVIEW_LINK.finditer(_mail_text(db, reference, "export_ready"))
    }
    page.goto(review)  # the *Export ready* mail lands on this request's page
    be(page, "merchant")
    expect(page.get_by_role("heading", name=reference, exact=True)).to_be_visible()
    expect(heading).to_be_visible()
    expect(page.get_by_test_id("stMetricLabel").filter(has_text="Files")).to_be_visible()
    settle(page)  # a deferred download clicked mid-run downloads nothing
    with page.expect_download() as download:
        page.get_by_role("button", name="Download for review").click()
    assert download.value.suggested_filename.startswith(reference)
    page.get_by_text("Show the readable report").click()
    report = page.frame_locator("iframe").first
    expect(report.locator("body")).to_contain_text(reference, timeout=20_000)
    shot(page, "request-package-review")
    page.get_by_role("button", name="Deliver to customer…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("gets a mail with a link")).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_visible()
    shot(page, "request-deliver-dialog")
    dialog.get_by_role("button", name="Send link").click()
    expect(page.get_by_text("Download link sent").first).to_be_visible()
    assert _status(db, reference) == Status.DELIVERED
    (link,) = {m.group(0) for m in DOWNLOAD_LINK.finditer(_mail_text(db, reference))}
    answer = httpx.get(link, follow_redirects=True, timeout=30)  # the customer's click
    assert answer.status_code == 200 and answer.content[:2] == b"PK"
    assert _status(db, reference) == Status.COMPLETED
    page.reload()  # the request page's address carries its reference
    be(page, "merchant")
    expect(page.get_by_role("heading", name=reference, exact=True)).to_be_visible()
    expect(page.get_by_text("Completed", exact=True).first).to_be_visible()
    deliver = page.get_by_role("button", name="Deliver to customer…")
    expect(deliver).to_be_disabled()
    shot(page, "request-detail")
    db.dispose()


def _new_request(db: Database, name: str, country: str, days_ago: int = 0) -> str:
    """A logged-in access request received `days_ago` days ago (verified at once)."""
    email = f"{name.split()[0].lower()}@example.com"
    with db.write() as session:
        store = session.scalars(select(Store).order_by(Store.id)).first()
        request = open_request(
            session,
            NewRequest(
                store, RequestType.ACCESS, Channel.LOGGED_IN, email, name=name, country=country
            ),
            actor="customer",
            at=utcnow() - timedelta(days=days_ago),
        )
        return request.reference


def test_compliance_rejects_an_overdue_request_extends_one_and_stops_a_uk_clock(
    page: Page, stack: Stack
) -> None:
    db = Database(stack.database_url)
    overdue = _new_request(db, "Otto Overdue", "DE", days_ago=60)
    open_dashboard(page, stack)
    be(page, "compliance")
    expect(page.get_by_test_id("stMetricLabel").filter(has_text="Overdue")).to_be_visible()
    _open_request(page, overdue)
    expect(page.get_by_text("Overdue", exact=True).first).to_be_visible()
    page.get_by_role("button", name="Reject…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("combobox").click()
    page.get_by_role("option", name="Other", exact=True).click()
    dialog.get_by_role("textbox").fill("The customer withdrew the request by phone")
    dialog.get_by_role("button", name="Reject request").click()
    expect(page.get_by_text("Request rejected").first).to_be_visible()
    assert _status(db, overdue) == Status.REJECTED

    uk = _new_request(db, "Una Kingdom", "GB")
    _open_request(page, uk)
    page.get_by_role("button", name="Extend…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Extend deadline").click()  # no reason yet
    expect(dialog.get_by_text("Give the reason the customer will read")).to_be_visible()
    dialog.get_by_role("textbox").fill("Orders across several years to collect")
    dialog.get_by_role("button", name="Extend deadline").click()
    expect(page.get_by_text("Deadline extended").first).to_be_visible()
    page.get_by_role("button", name="Stop the clock…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("textbox").fill("Asked the customer which account the orders were on")
    dialog.get_by_role("button", name="Stop the clock").click()
    expect(page.get_by_text("Clock stopped").first).to_be_visible()
    expect(page.get_by_role("button", name="Restart the clock")).to_be_visible()
    shot(page, "request-clock-stopped")
    with db.read() as session:
        row = session.scalars(select(Request).where(Request.reference == uk)).one()
    assert row.paused_since is not None and row.extension_reason
    db.dispose()


def test_analyst_reads_the_charts_and_downloads_the_metrics(page: Page, stack: Stack) -> None:
    open_dashboard(page, stack)
    be(page, "analyst")
    expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible()
    expect(page.get_by_text("logged_in")).to_have_count(0)  # legends in words
    shot(page, "overview-analyst")
    go(page, "Reports")
    page.get_by_role("tab", name="Regulatory metrics").click()
    expect(page.get_by_text("Complied with in whole or in part").first).to_be_visible()
    shot(page, "reports-metrics")
    settle(page)  # a deferred download clicked mid-run downloads nothing
    with page.expect_download() as download:
        page.get_by_role("button", name="Download metrics CSV").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert rows[0][:4] == ["Regime", "Type", "Received", "Complied with in whole or in part"]
    assert rows[-1][:2] == ["All", "All"] and "gdpr" not in {r[0] for r in rows}  # in words
    assert sum(int(r[2]) for r in rows[1:-1]) == int(rows[-1][2])  # the total row adds up
