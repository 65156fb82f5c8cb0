"""Dashboard tests run AppTest against a migrated database chosen by DATABASE_URL.

`app_db` (tests/helpers/dashboard_db.py) points the process at a fresh SQLite database and
clears every cache (config, database, Streamlit data caches); `seeded` fills it with one
request in each interesting state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from lib.core import config, lifecycle
from lib.core.db import Database
from lib.core.enums import Channel, RejectionCode, RequestType, Status
from lib.core.lifecycle import NewRequest
from lib.core.models import Request, Store, utcnow
from lib.core.settings import set_setting
from lib.dashboard.roles import Actor, Role
from tests.helpers.stores import make_store

PROJECT = config.PROJECT_ROOT


@dataclass(frozen=True)
class Seeded:
    """References of the seeded requests by what they stand for, and their store."""

    db: Database
    store: Store
    refs: dict[str, str]

    def id(self, name: str) -> int:
        with self.db.read() as session:
            return session.query(Request.id).filter_by(reference=self.refs[name]).scalar()

    def status(self, name: str) -> str:
        with self.db.read() as session:
            return session.query(Request.status).filter_by(reference=self.refs[name]).scalar()


def seed_requests(db: Database) -> Seeded:
    """One request per state the pages care about, received over the last 50 days."""
    store = make_store(db)
    now = utcnow()
    refs: dict[str, str] = {}

    def new(key: str, channel: Channel, days_ago: int, **kw: object) -> Request:
        fields = {"email": f"{key}@example.com", "name": f"{key.title()} Example"} | kw
        request = lifecycle.open_request(
            session,
            NewRequest(store=store, type=RequestType.ACCESS, channel=channel, **fields),
            actor="customer",
            at=now - timedelta(days=days_ago),
        )
        refs[key] = request.reference
        return request

    with db.write() as session:
        new("pending", Channel.GUEST, 2, country="DE")
        new("verified", Channel.LOGGED_IN, 10, country="DE", name="Jane Doe")
        done = new("answered", Channel.LOGGED_IN, 20, country="US", subdivision="CA")
        for step in (Status.IN_PROGRESS, Status.READY_FOR_REVIEW, Status.DELIVERED):
            lifecycle.transition(
                session, done, step, actor="merchant@shop.example", at=now - timedelta(days=8)
            )
        lifecycle.transition(
            session, done, Status.COMPLETED, actor="customer", at=now - timedelta(days=7)
        )
        refused = new("refused", Channel.STAFF, 30, country="FR")
        lifecycle.reject(
            session,
            refused,
            actor="dpo@shop.example",
            code=RejectionCode.EXCESSIVE,
            at=now - timedelta(days=25),
        )
        new("overdue", Channel.WEBHOOK, 50, country="IE")
        lapsed = new("lapsed", Channel.GUEST, 40, country="DE")
        lifecycle.transition(
            session, lapsed, Status.EXPIRED, actor="system", at=now - timedelta(days=26)
        )
        new("formula", Channel.LOGGED_IN, 5, country="GB", name='=HYPERLINK("http://x")')
        set_setting(session, "guest_support", False, "merchant@shop.example")
    return Seeded(db, store, refs)


@pytest.fixture
def seeded(app_db: Database) -> Seeded:
    """`app_db` with one request in each interesting state."""
    return seed_requests(app_db)


def actor(role: Role | str) -> Actor:
    """A staff actor of `role`."""
    role = Role(role)
    return Actor(f"{role.value}@shop.example", role)


ISSUER = "https://id.shop.example"


def claims(email: str, subject: str = "", *, verified: bool = True, nonce: str = "n1") -> dict:
    """The ID-token claims Streamlit keeps in `st.user` after an OIDC sign-in."""
    return {
        "is_logged_in": True,
        "iss": ISSUER,
        "sub": subject or f"sub-{email}",
        "email": email,
        "email_verified": verified,
        "nonce": nonce,
        "iat": 1_800_000_000,
    }


def identity_cookie(user: dict) -> str:
    """The `Cookie` header a browser sends after Streamlit's OIDC callback signed `user` in
    (`_streamlit_user`, signed with the cookie secret the dashboard server would use)."""
    from streamlit.web.server.server_util import get_cookie_secret
    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

    value = json.dumps(dict(user, origin="http://127.0.0.1", provider="default"))
    signed = create_signed_value(get_cookie_secret(), "_streamlit_user", value).decode()
    return f"_streamlit_user={signed}"


def signed_in(db: Database, email: str, admins: tuple[str, ...] = ()) -> tuple[Actor, str]:
    """Sign `email` in (verified, one account per email): its actor and its browser's cookie."""
    from lib.dashboard.signin import sign_in

    user = claims(email)
    return sign_in(db, user, admins), identity_cookie(user)


def page(path: str, role: Role | str = Role.ADMIN, **query: str) -> AppTest:
    """An AppTest of `path` (relative to the project) in local mode as `role`, not yet run."""
    at = AppTest.from_file(str(PROJECT / path), default_timeout=30)
    at.session_state["pd_local_role"] = Role(role).value
    for key, value in query.items():
        at.query_params[key] = value
    return at
