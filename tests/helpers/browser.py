"""Driving the dashboard in a browser: open it, pick a role, follow the sidebar, screenshot."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import SCREENSHOTS, Stack


def open_dashboard(page: Page, stack: Stack) -> None:
    page.goto(stack.dashboard)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Local mode · no sign-in")).to_be_visible()


def be(page: Page, role: str) -> None:
    """Pick a role in the local-mode switcher of the sidebar."""
    switcher = page.get_by_role("combobox", name="Try the dashboard as")
    switcher.click()
    page.get_by_role("option", name=role, exact=True).click()
    expect(switcher).to_have_value(role)
    settle(page)


def go(page: Page, title: str, heading: str | None = None) -> None:
    """Follow a sidebar link (keeps the session, unlike typing a URL)."""
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link", name=re.compile(rf"(^|\s){re.escape(title)}$")).click()
    expect(page.get_by_role("heading", name=heading or title, exact=True)).to_be_visible()


IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SETTLED = """() => !document.querySelector('[data-testid="stSkeleton"]')
    && !document.querySelector('[data-testid="stStatusWidget"]')"""


def settle(page: Page) -> None:
    """Wait until the script run a click started is over.

    Streamlit keeps showing the previous run's elements while a run is under way, so a check can
    pass on them; and a deferred download button clicked mid-run holds a file id the new run
    has already dropped, so the click downloads nothing.
    """
    expect(page.locator(IDLE)).to_be_attached(timeout=30_000)


def shot(page: Page, name: str) -> None:
    """A full-page screenshot once the script run is over and every element has drawn."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if page.locator('[data-testid="stApp"]').count():  # the storefront is not Streamlit
        settle(page)
    page.wait_for_function(SETTLED)
    page.wait_for_timeout(800)  # Vega draws charts after the run
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
