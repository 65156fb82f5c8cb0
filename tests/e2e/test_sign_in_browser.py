"""Sign-in in a real browser through a real OpenID Connect provider process (tests/e2e/oidc):
no page list before sign-in; verified vs unverified emails; the role bound to the first
account; each role's pages and no other role's page by URL; sign-out, the copied cookie
replayed after it; a role removed during a session; a report link pasted without the session.
One provider and one dashboard for the module."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from lib.core.db import Database
from lib.core.models import StaffRole, StaffSession
from lib.dashboard import actions
from lib.dashboard.roles import RIGHTS, Actor, Role
from lib.dashboard.ui import PAGES
from tests.e2e.oidc_stack import ADMIN_EMAIL, SignInStack, sign_in_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ADMIN = Actor(ADMIN_EMAIL, Role.ADMIN)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignInStack]:
    with sign_in_stack(tmp_path_factory.mktemp("oidc"), {"prompt": "login"}) as stack:
        db = Database(stack.database_url)
        for role in (Role.MERCHANT, Role.COMPLIANCE, Role.ANALYST):
            actions.set_role(db, ADMIN, f"{role.value}@desk.test", role.value)
        db.dispose()
        yield stack


@pytest.fixture
def context(browser, desk) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, timezone_id="UTC")
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture
def tab(context) -> Page:
    return context.new_page()


def signed_out_screen(tab: Page) -> None:
    expect(tab.get_by_role("button", name="Sign in")).to_be_visible(timeout=30_000)


def sign_in(tab: Page, desk: SignInStack, account: str) -> None:
    """Through the provider's own login page (any password; the login is the account id)."""
    tab.goto(desk.dashboard)
    signed_out_screen(tab)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(f"{desk.provider}/**")
    tab.locator("input[name=login]").fill(account)
    tab.locator("input[name=password]").fill("any password")
    tab.get_by_role("button", name="Sign-in").click()
    tab.wait_for_url(f"{desk.dashboard}/**")


def nav_titles(tab: Page) -> set[str]:
    nav = tab.get_by_test_id("stSidebarNav")
    expect(nav).to_be_visible()
    titles = {spec.title for spec in PAGES if not spec.hidden}
    found = set()
    for title in titles:
        link = nav.get_by_role("link", name=re.compile(rf"(^|\s){re.escape(title)}$"))
        if link.count():
            found.add(title)
    return found


def db(desk: SignInStack) -> Database:
    return Database(desk.database_url)


def test_a_signed_out_visitor_sees_no_page_list_and_no_page_by_url(tab, desk):
    tab.goto(desk.dashboard)
    signed_out_screen(tab)
    expect(tab.get_by_test_id("stSidebarNav")).to_have_count(0)
    tab.goto(f"{desk.dashboard}/staff")
    signed_out_screen(tab)
    expect(tab.get_by_role("heading", name="Staff")).to_have_count(0)
    expect(tab.get_by_test_id("stSidebarNav")).to_have_count(0)


def test_the_verified_bootstrap_admin_signs_in_and_is_bound(tab, desk):
    sign_in(tab, desk, "admin")
    expect(tab.get_by_role("heading", name="Overview")).to_be_visible()
    expect(tab.get_by_text(f"Signed in as {ADMIN_EMAIL} (admin)")).to_be_visible()
    assert nav_titles(tab) == {spec.title for spec in PAGES if not spec.hidden}
    with db(desk).read() as session:
        row = session.get(StaffRole, ADMIN_EMAIL)
        assert (row.role, row.issuer, row.subject) == ("admin", desk.provider, "admin")


def test_an_unverified_email_claiming_admin_gets_nothing(tab, desk):
    sign_in(tab, desk, "fake-admin")
    expect(
        tab.get_by_text(f"{ADMIN_EMAIL} is not verified by your identity provider")
    ).to_be_visible()
    expect(tab.get_by_test_id("stSidebarNav")).to_have_count(0)
    expect(tab.get_by_role("heading", name="Overview")).to_have_count(0)


def test_a_verified_lookalike_of_a_bound_email_gets_nothing(tab, desk):
    sign_in(tab, desk, "other-admin")  # another subject showing the admin's verified email
    expect(tab.get_by_text(f"The role of {ADMIN_EMAIL} belongs to another account")).to_be_visible()
    expect(tab.get_by_test_id("stSidebarNav")).to_have_count(0)


@pytest.mark.parametrize("role", [Role.MERCHANT, Role.COMPLIANCE, Role.ANALYST])
def test_each_role_sees_its_pages_and_no_other_page_by_url(tab, desk, role):
    sign_in(tab, desk, role.value)
    expect(tab.get_by_text(f"Signed in as {role.value}@desk.test ({role.value})")).to_be_visible()
    allowed = {s.title for s in PAGES if not s.hidden and s.right in RIGHTS[role]}
    assert nav_titles(tab) == allowed
    forbidden = next(s for s in PAGES if s.right not in RIGHTS[role])
    tab.goto(f"{desk.dashboard}/{forbidden.url_path or forbidden.path[6:-3]}")
    expect(tab.get_by_role("heading", name="Overview")).to_be_visible()  # the default page
    expect(tab.get_by_role("heading", name=forbidden.title, exact=True)).to_have_count(0)


def test_sign_out_ends_the_session_and_the_copied_cookie_no_longer_signs_in(
    browser, context, tab, desk
):
    sign_in(tab, desk, "merchant")
    expect(tab.get_by_role("heading", name="Overview")).to_be_visible()
    copied = context.cookies()  # what someone with the laptop for a minute takes away
    assert any(c["name"] == "_streamlit_user" for c in copied)
    tab.get_by_role("button", name="Sign out").click()
    tab.wait_for_url(f"{desk.provider}/**")  # the provider's own logout (end_session_endpoint)
    tab.get_by_role("button", name=re.compile("Yes, sign me out", re.I)).click()
    tab.wait_for_url(f"{desk.dashboard}/**")  # back through the registered post-logout address
    signed_out_screen(tab)
    replay = browser.new_context()
    try:
        replay.add_cookies(copied)
        other = replay.new_page()
        other.goto(desk.dashboard)
        expect(other.get_by_text("This sign-in has ended")).to_be_visible(timeout=30_000)
        expect(other.get_by_role("heading", name="Overview")).to_have_count(0)
    finally:
        replay.close()
    with db(desk).read() as session:
        newest = session.scalars(
            select(StaffSession)
            .where(StaffSession.email == "merchant@desk.test")
            .order_by(StaffSession.created_at.desc())
        ).first()
        assert newest.revoked_at is not None  # this sign-in's row, not an earlier tab's


def test_a_role_removed_during_a_session_ends_it_at_the_next_click(browser, tab, desk):
    sign_in(tab, desk, "compliance")
    expect(tab.get_by_role("heading", name="Overview")).to_be_visible()
    admin_browser = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:  # the admin, in another browser, removes the role on the Staff page
        admin = admin_browser.new_page()
        admin.set_default_timeout(20_000)
        sign_in(admin, desk, "admin")
        admin.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile("Staff$")).click()
        expect(admin.get_by_role("heading", name="Staff", exact=True)).to_be_visible()
        admin.locator(".st-key-pd_st_rm_compliance-desk-test button").click()
        success = admin.get_by_test_id("stAlertContentSuccess")  # (a toast says it too)
        expect(success.get_by_text("compliance@desk.test removed")).to_be_visible()
    finally:
        admin_browser.close()
    tab.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile(r"Requests$")).click()
    expect(tab.get_by_text("This sign-in has ended")).to_be_visible()
    expect(tab.get_by_role("heading", name="Requests")).to_have_count(0)


def test_a_report_link_pasted_without_the_session_is_refused(tab, desk):
    sign_in(tab, desk, "analyst")
    tab.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile(r"Reports$")).click()
    link = tab.get_by_role("link", name="Download CSV")
    href = link.get_attribute("href")
    assert href and href.startswith("/reports/requests.csv?token=")
    pasted = httpx.get(desk.dashboard + href, timeout=30)  # no cookie: another browser, a chat
    assert pasted.status_code == 403 and "signed-in session" in pasted.text
    same = tab.request.get(desk.dashboard + href)  # the session that minted it
    assert same.status == 200 and same.text().startswith("reference")
