"""Report links with sign-in are bound to the session that minted them: the route (real uvicorn
socket, SQLite and PostgreSQL) reads Streamlit's identity cookie and refuses, with 403 and
nothing written, a pasted link without that live session."""

from __future__ import annotations

import pytest

from lib.core.db import Database
from lib.dashboard import actions, signin
from lib.dashboard.queries import Scope
from lib.dashboard.roles import Role
from tests.dashboard.conftest import Seeded, actor, seed_requests, signed_in
from tests.helpers.report_links import ALL, BASE, config_for, serving, state

ADMIN_EMAIL = "admin@shop.example"


@pytest.fixture
def seeded_db(db: Database) -> Seeded:
    return seed_requests(db)


def mint(db: Database, who) -> str:
    return actions.report_link(
        who, Scope(), ALL, unmask=True, base_path=BASE, config=config_for(db)
    )


def refused(http, url: str, cookie: str | None, db: Database) -> None:
    before = state(db)
    response = http.get(url, headers={"cookie": cookie} if cookie else {})
    assert response.status_code == 403, response.text
    assert "belongs to a signed-in session" in response.text
    assert state(db) == before


def test_a_pasted_link_needs_the_live_session_that_minted_it(seeded_db):
    db = seeded_db.db
    boss, cookie = signed_in(db, ADMIN_EMAIL, (ADMIN_EMAIL,))
    actions.set_role(db, boss, "dpo@shop.example", "admin")
    _other, other_cookie = signed_in(db, "dpo@shop.example")
    url = mint(db, boss)
    with serving(db, sign_in=True, admins=(ADMIN_EMAIL,)) as http:
        refused(http, url, None, db)  # browser history, a chat message: no cookie at all
        refused(http, url, other_cookie, db)  # another admin's browser
        refused(http, url, "_streamlit_user=forged", db)  # not signed with the cookie secret
        assert http.get(url, headers={"cookie": cookie}).status_code == 200


def test_sign_out_kills_the_links_of_its_session(seeded_db):
    db = seeded_db.db
    boss, cookie = signed_in(db, ADMIN_EMAIL, (ADMIN_EMAIL,))
    url = mint(db, boss)
    signin.end_session(db, boss.session)
    with serving(db, sign_in=True, admins=(ADMIN_EMAIL,)) as http:
        refused(http, url, cookie, db)  # the cookie replayed after sign-out, too


def test_a_link_minted_without_a_session_is_refused_once_sign_in_is_on(seeded_db):
    db = seeded_db.db
    signed_in(db, ADMIN_EMAIL, (ADMIN_EMAIL,))
    url = mint(db, actor(Role.ADMIN))  # local mode's actor: no session
    with serving(db, sign_in=True, admins=(ADMIN_EMAIL,)) as http:
        refused(http, url, None, db)


def test_the_session_is_checked_against_the_email_of_the_grant(seeded_db):
    """A cookie of the same session id can only come from the same sign-in; a grant whose
    email differs from the session's (another release, a bug) is refused as well."""
    db = seeded_db.db
    boss, cookie = signed_in(db, ADMIN_EMAIL, (ADMIN_EMAIL,))
    renamed = type(boss)("someone@shop.example", boss.role, boss.session)
    with serving(db, sign_in=True, admins=(ADMIN_EMAIL,)) as http:
        refused(http, mint(db, renamed), cookie, db)
