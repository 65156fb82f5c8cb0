"""Reports count erasure requests by outcome, in words (queries.erasure_outcomes)."""

from __future__ import annotations

from lib.core import lifecycle
from lib.core.db import Database
from lib.core.enums import Channel, RejectionCode, RequestType, Status
from lib.core.lifecycle import NewRequest
from lib.core.models import Store
from lib.dashboard.queries import Scope, erasure_outcomes
from lib.dashboard.roles import Role
from tests.dashboard.conftest import page
from tests.helpers.stores import make_store


def _erasures(db: Database, store: Store) -> None:
    with db.write() as session:
        store = session.get_one(Store, store.id)
        made = [
            lifecycle.open_request(
                session,
                NewRequest(store, RequestType.ERASURE, Channel.LOGGED_IN, f"p{i}@example.com"),
                actor="customer",
            )
            for i in range(4)
        ]
        lifecycle.transition(session, made[0], Status.COMPLETED, actor="s")
        lifecycle.transition(session, made[1], Status.COMPLETED, actor="s")
        lifecycle.reject(session, made[2], actor="s", code=RejectionCode.EXCESSIVE)
        access = NewRequest(store, RequestType.ACCESS, Channel.LOGGED_IN, "a@example.com")
        lifecycle.open_request(session, access, actor="customer")


def test_erasure_requests_are_counted_by_outcome(db: Database, store: Store) -> None:
    _erasures(db, store)
    frame = erasure_outcomes(db, Scope())
    got = {(t, o): n for t, o, n in frame[["type", "outcome", "requests"]].itertuples(index=False)}
    assert got == {("erasure", "Erased"): 2, ("erasure", "Refused"): 1, ("erasure", "Open"): 1}


def test_the_reports_page_shows_them(app_db: Database) -> None:
    _erasures(app_db, make_store(app_db))
    at = page("pages/reports.py", Role.ADMIN).run()
    assert not at.exception
    assert any(h.value == "Erasure requests by outcome" for h in at.subheader)
    shown = [df for df in at.dataframe if "outcome" in df.value.columns]
    assert shown and "Erased" in set(shown[0].value["outcome"])


def test_the_overview_page_shows_them(app_db: Database) -> None:
    _erasures(app_db, make_store(app_db))
    at = page("pages/overview.py", Role.ADMIN).run()
    assert not at.exception
    assert any(h.value == "Erasure requests by outcome" for h in at.subheader)
