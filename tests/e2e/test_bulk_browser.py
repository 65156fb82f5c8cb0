"""A bulk action in a real browser: 500 filtered requests get a note through the confirm dialog,
the queued job's progress is polled by the page, every request is audited once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from lib.core import lifecycle
from lib.core.config import PROJECT_ROOT
from lib.core.db import Database
from lib.core.enums import Channel, EventKind, RequestType
from lib.core.lifecycle import NewRequest
from lib.core.models import RequestEvent, Store
from tests.e2e.conftest import Stack
from tests.helpers.browser import SETTLED, be, go, open_dashboard

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
COUNT = 500
NOTE = "Checked in bulk by the DPO"
DOCS_SHOTS = PROJECT_ROOT / "docs" / "screenshots"


def _open_requests(db: Database) -> None:
    """COUNT verified requests whose emails share a prefix the search finds (and nothing else)."""
    with db.write() as session:
        store = session.scalars(select(Store).order_by(Store.id)).first()
        for i in range(COUNT):
            lifecycle.open_request(
                session,
                NewRequest(
                    store, RequestType.ACCESS, Channel.LOGGED_IN, f"bulk-e2e-{i}@example.org"
                ),
                actor="customer",
            )


def test_a_note_on_500_filtered_requests(page, stack: Stack):
    db = Database(stack.database_url)
    _open_requests(db)
    open_dashboard(page, stack)
    be(page, "compliance")
    go(page, "Requests")
    search = page.locator(".st-key-pd_rq_search input")
    search.fill("bulk-e2e")
    search.press("Enter")
    expect(page.get_by_text(f"{COUNT} requests")).to_be_visible()
    page.get_by_text(f"All filtered ({COUNT})").click()
    page.wait_for_function(SETTLED)  # the rerun that enables Apply… is over
    page.locator(".st-key-pd_bulk_action").click()
    page.get_by_role("option", name="Add note").click()
    page.wait_for_function(SETTLED)
    apply = page.get_by_role("button", name="Apply…")
    expect(apply).to_be_enabled()
    apply.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text(f"on {COUNT} requests")).to_be_visible()
    dialog.get_by_label("Note").fill(NOTE)
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SHOTS / "bulk-confirm-500.png"))
    dialog.locator(".st-key-pd_bulk_ok button").click()
    expect(dialog).to_be_hidden()
    # More than a page waits for: a job, whose progress the page polls until it is done.
    expect(page.get_by_text(f"{COUNT} requests changed.")).to_be_visible(timeout=90_000)
    page.wait_for_function(SETTLED)
    page.screenshot(path=str(DOCS_SHOTS / "bulk-note-500.png"), full_page=True)
    with db.read() as session:
        notes = session.execute(
            select(RequestEvent.reason, func.count(func.distinct(RequestEvent.request_id)))
            .where(
                RequestEvent.kind == EventKind.NOTE, RequestEvent.actor == "compliance@localhost"
            )
            .group_by(RequestEvent.reason)
        ).all()
    assert notes == [(NOTE, COUNT)]
    db.dispose()
