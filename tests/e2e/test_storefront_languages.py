"""The storefront page in a real browser (Debian's Chromium) in three languages: the picker
switches language through freshly signed links, and a screenshot of each goes to
test-artifacts/screenshots/storefront-<lang>.png (the copies in docs/screenshots/ are these)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from lib.core.db import Database
from tests.e2e.conftest import SCREENSHOTS
from tests.helpers.stores import make_store
from tests.intake.conftest import Intake, add_customer, running_intake

SHOWN = {
    "de": ("Datenschutzanfragen", "Datenauskunft anfordern", "E-Mail-Adresse"),
    "fr": ("Demandes relatives aux données personnelles", "Demander une copie de mes données",
           "Adresse e-mail"),
    "pl": ("Wnioski dotyczące danych osobowych", "Poproś o kopię danych", "Adres e-mail"),
}  # fmt: skip


@pytest.fixture
def intake(sqlite_db: Database) -> Iterator[Intake]:
    make_store(sqlite_db)
    add_customer(sqlite_db, "101", "Ada", "Lovelace", "ada@example.com")
    with running_intake(sqlite_db) as service:
        yield service


@pytest.fixture
def tab(browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 900, "height": 540}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_page_in_three_languages_and_the_picker_between_them(tab: Page, intake: Intake) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.goto(intake.base + intake.page_url(locale="de"))
    for locale, (title, button, label) in SHOWN.items():
        expect(tab.locator("html")).to_have_attribute("lang", locale)
        expect(tab.locator("h1")).to_have_text(title)
        expect(tab.get_by_role("button", name=button)).to_be_visible()
        expect(tab.get_by_label(label)).to_be_visible()
        tab.screenshot(path=str(SCREENSHOTS / f"storefront-{locale}.png"), full_page=True)
        following = list(SHOWN)[(list(SHOWN).index(locale) + 1) % len(SHOWN)]
        tab.locator(f'nav.pd-langs a[lang="{following}"]').click()  # a freshly signed link
    expect(tab.locator("html")).to_have_attribute("lang", "de")
