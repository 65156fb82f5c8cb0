"""Sign-in (`lib.dashboard.signin`) on SQLite and PostgreSQL: roles only for verified emails,
bound to the first account's issuer and subject; sessions recorded server side and ended by
sign-out and role removal on every replica; and the dashboard frame that shows it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from lib.core.db import Database
from lib.core.models import StaffRole, StaffSession, utcnow
from lib.dashboard import actions, signin
from lib.dashboard.roles import Role
from lib.dashboard.signin import SESSION_IDLE, SignInRefused
from tests.dashboard.conftest import ISSUER, actor, claims, page
from tests.helpers.sign_in import AUTH

ADMIN = actor(Role.ADMIN)


def given(db: Database, email: str, role: str) -> None:
    actions.set_role(db, ADMIN, email, role)


def role_row(db: Database, email: str) -> StaffRole | None:
    with db.read() as session:
        row = session.get(StaffRole, email)
        if row is not None:
            session.expunge(row)
        return row


def sessions(db: Database) -> list[StaffSession]:
    with db.read() as session:
        rows = list(session.scalars(select(StaffSession).order_by(StaffSession.created_at)))
        session.expunge_all()
        return rows


def test_an_unverified_email_gets_no_role_even_the_admins(db):
    given(db, "boss@shop.example", "admin")
    with pytest.raises(SignInRefused, match=r"boss@shop\.example is not verified"):
        signin.sign_in(db, claims("boss@shop.example", verified=False))
    with pytest.raises(SignInRefused, match="not verified"):  # nor a bootstrap admin
        signin.sign_in(db, claims("root@shop.example", verified=False), {"root@shop.example"})
    assert role_row(db, "boss@shop.example").issuer is None  # nothing bound
    assert role_row(db, "root@shop.example") is None
    assert sessions(db) == []


def test_the_first_verified_sign_in_binds_the_role_to_issuer_and_subject(db):
    given(db, "ana@shop.example", "compliance")
    who = signin.sign_in(db, claims("Ana@shop.example", "ana-1"))
    assert (who.email, who.role) == ("ana@shop.example", Role.COMPLIANCE)
    row = role_row(db, "ana@shop.example")
    assert (row.issuer, row.subject) == (ISSUER, "ana-1") and row.bound_at is not None
    # Another account at the provider that now shows the same (even verified) email: nothing.
    with pytest.raises(SignInRefused, match="belongs to another account"):
        signin.sign_in(db, claims("ana@shop.example", "impostor-7"))
    # The bound account keeps its role whatever email it shows later.
    assert signin.sign_in(db, claims("ana.new@shop.example", "ana-1", nonce="n2")).role == (
        Role.COMPLIANCE
    )


def test_a_bootstrap_admin_is_bound_at_first_sign_in_too(db):
    admins = {"root@shop.example"}
    assert signin.sign_in(db, claims("root@shop.example", "root-1"), admins).role is Role.ADMIN
    row = role_row(db, "root@shop.example")
    assert (row.role, row.subject, row.updated_by) == ("admin", "root-1", signin.BOOTSTRAP_ACTOR)
    with pytest.raises(SignInRefused, match="belongs to another account"):
        signin.sign_in(db, claims("root@shop.example", "root-2"), admins)


def test_without_a_role_the_refusal_says_whom_to_ask(db):
    with pytest.raises(SignInRefused, match=r"has no role here yet\. Ask an admin"):
        signin.sign_in(db, claims("stranger@shop.example"))
    with pytest.raises(SignInRefused, match="names no issuer and subject"):
        signin.sign_in(db, {"is_logged_in": True, "email": "x@shop.example"})


def test_each_sign_in_is_one_session_row_and_sign_out_ends_its_cookie(db):
    given(db, "mo@shop.example", "merchant")
    cookie = claims("mo@shop.example", "mo-1", nonce="first")
    first = signin.sign_in(db, cookie)
    assert signin.sign_in(db, cookie).session == first.session  # reruns: the same session
    (row,) = sessions(db)
    assert (row.id, row.issuer, row.subject, row.email) == (
        first.session,
        ISSUER,
        "mo-1",
        "mo@shop.example",
    )
    signin.end_session(db, first.session)
    with pytest.raises(SignInRefused, match="This sign-in has ended"):
        signin.sign_in(db, cookie)  # the copied cookie, replayed after sign-out
    again = signin.sign_in(db, claims("mo@shop.example", "mo-1", nonce="second"))
    assert again.session != first.session and again.role is Role.MERCHANT


def test_role_removal_ends_every_session_of_the_account_and_a_re_added_role_does_not_revive_them(
    db,
):
    given(db, "an@shop.example", "analyst")
    laptop = claims("an@shop.example", "an-1", nonce="laptop")
    phone = claims("an@shop.example", "an-1", nonce="phone")
    signin.sign_in(db, laptop)
    signin.sign_in(db, phone)
    actions.remove_role(db, ADMIN, "an@shop.example")
    assert all(row.revoked_at is not None for row in sessions(db))
    given(db, "an@shop.example", "analyst")
    for cookie in (laptop, phone):
        with pytest.raises(SignInRefused, match="has ended"):
            signin.sign_in(db, cookie)


def test_a_role_change_applies_on_the_next_run_on_any_replica(db):
    """No cache: the run right after the change (here: the very next call) sees it."""
    given(db, "c@shop.example", "compliance")
    cookie = claims("c@shop.example", "c-1")
    assert signin.sign_in(db, cookie).role is Role.COMPLIANCE
    given(db, "c@shop.example", "analyst")
    assert signin.sign_in(db, cookie).role is Role.ANALYST


def test_a_session_idle_too_long_is_ended(db):
    given(db, "i@shop.example", "analyst")
    cookie = claims("i@shop.example", "i-1")
    start = utcnow()
    signin.sign_in(db, cookie, now=start)
    with pytest.raises(SignInRefused, match="without activity"):
        signin.sign_in(db, cookie, now=start + SESSION_IDLE + timedelta(seconds=1))
    with pytest.raises(SignInRefused, match="has ended"):
        signin.sign_in(db, cookie, now=start)  # stays ended


def test_live_session_is_what_the_report_route_asks(db):
    given(db, "r@shop.example", "analyst")
    who = signin.sign_in(db, claims("r@shop.example", "r-1"))
    assert signin.live_session(db, who.session).email == "r@shop.example"
    assert signin.live_session(db, "0" * 64) is None
    signin.end_session(db, who.session)
    assert signin.live_session(db, who.session) is None


def frame():
    at = page("dashboard.py")
    at.secrets["auth"] = AUTH
    return at


def test_the_frame_refuses_an_unverified_admin_email(seeded):
    given(seeded.db, "boss@shop.example", "admin")
    at = frame()
    at.user = claims("boss@shop.example", verified=False)
    at.run()
    assert not at.exception and not at.sidebar.selectbox
    assert "is not verified by your identity provider" in at.warning[0].value
    assert [b.label for b in at.button] == ["Sign out"]


def test_the_frame_ends_the_session_on_sign_out(seeded):
    given(seeded.db, "ana@shop.example", "analyst")
    at = frame()
    at.user = claims("ana@shop.example", "ana-1")
    at.run()
    assert at.title[0].value == "Overview"
    at.sidebar.button(key="pd_sign_out_sidebar").click().run()
    (row,) = sessions(seeded.db)
    assert row.revoked_at is not None
    replay = frame()
    replay.user = claims("ana@shop.example", "ana-1")  # the same cookie in another browser
    replay.run()
    assert "This sign-in has ended" in replay.warning[0].value
    assert not replay.title[1:]  # no page ran


def test_the_staff_page_says_which_roles_are_bound_to_an_account(seeded):
    given(seeded.db, "ana@shop.example", "analyst")
    given(seeded.db, "new@shop.example", "merchant")
    signin.sign_in(seeded.db, claims("ana@shop.example", "ana-1"))
    at = page("pages/staff.py", Role.ADMIN).run()
    lines = {m.value.split("**")[1]: m.value for m in at.markdown if m.value.startswith("**")}
    assert "account bound at first sign-in on" in lines["ana@shop.example"]
    assert lines["new@shop.example"].endswith("not signed in yet")


def test_two_runs_of_a_new_sign_in_at_once_record_one_session(db):
    """The browser's first page load and its first rerun can race: both get the actor."""
    given(db, "two@shop.example", "merchant")
    cookie = claims("two@shop.example", "two-1")
    start, results = threading.Barrier(4), []

    def run() -> None:
        start.wait()
        results.append(signin.sign_in(db, cookie).role)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == [Role.MERCHANT] * 4
    assert len(sessions(db)) == 1
