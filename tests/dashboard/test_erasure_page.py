"""The request page's erasure steps (AppTest): what is erased and kept, *Erase* blocked by an
open access request until staff tick to cancel it, then the Shopify erasure job queued."""

from __future__ import annotations

from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from lib.core import lifecycle
from lib.core.db import Database
from lib.core.enums import Channel, RequestType
from lib.core.lifecycle import NewRequest
from lib.core.models import Job, Request, Store
from lib.dashboard.roles import Role
from tests.dashboard.conftest import page
from tests.helpers.stores import make_store


def _open(db: Database, kind: RequestType) -> str:
    with db.read() as session:
        store = session.scalars(select(Store)).first()
    store = store or make_store(db)
    with db.write() as session:
        new = NewRequest(
            session.get_one(Store, store.id), kind, Channel.LOGGED_IN, "ada@example.com"
        )
        return str(lifecycle.open_request(session, new, actor="customer").reference)


def _button(at: AppTest, label: str) -> Button:
    return next(b for b in at.button if b.label == label)


def test_erase_waits_for_an_open_access_request_then_queues_shopify_s_erasure(
    app_db: Database,
) -> None:
    access = _open(app_db, RequestType.ACCESS)
    erasure = _open(app_db, RequestType.ERASURE)
    at = page("pages/request_detail.py", Role.ADMIN, ref=erasure).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Erased in Privacy Desk" in text and "Art. 17(3)(b)" in text
    assert any(access in w.value for w in at.warning)
    assert _button(at, "Erase").disabled
    at.checkbox(key="pd_erase_cancel_open").check().run()
    assert not _button(at, "Erase").disabled
    _button(at, "Erase").click().run()
    assert not at.exception
    with app_db.read() as session:
        jobs = session.scalars(select(Job.kind)).all()
        statuses = {r.type: r.status for r in session.scalars(select(Request))}
    assert "shopify_erasure" in jobs
    assert statuses["access"] == "canceled"


def test_the_panel_is_only_on_erasure_requests(app_db: Database) -> None:
    access = _open(app_db, RequestType.ACCESS)
    at = page("pages/request_detail.py", Role.ADMIN, ref=access).run()
    assert not at.exception
    assert all(b.label != "Erase" for b in at.button)


def test_settings_switch_a_store_s_storefront_request_types(app_db: Database) -> None:
    store = make_store(app_db)
    at = page("pages/settings.py", Role.ADMIN).run()
    assert not at.exception
    choice = at.multiselect(key=f"pd_set_types_{store.id}")
    assert choice.value == ["Request data export"]
    choice.set_value(["Request data export", "Delete my data"]).run()
    next(b for b in at.button if b.label == "Save requests offered").click().run()
    assert not at.exception
    with app_db.read() as session:
        assert session.get_one(Store, store.id).request_types == ["access", "erasure"]


def test_shopify_s_refusal_is_shown_on_the_open_request(app_db: Database) -> None:
    erasure = _open(app_db, RequestType.ERASURE)
    with app_db.write() as session:
        request = session.scalars(select(Request).where(Request.reference == erasure)).one()
        session.add(
            Job(
                kind="shopify_erasure",
                request_id=request.id,
                status="failed",
                last_error="Shopify refused the erasure request (customerId: Customer does not "
                "exist); nothing was changed.",
            )
        )
    at = page("pages/request_detail.py", Role.ADMIN, ref=erasure).run()
    assert not at.exception
    assert any("Customer does not exist" in e.value for e in at.error)
