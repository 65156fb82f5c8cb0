"""Settings' Shopify section: the API version check and each store's notification address."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from lib.core import config as process_config
from lib.core.config import load_config
from lib.core.db import Database
from lib.core.models import RequestEvent, Store
from lib.dashboard import connection_view, store_actions
from lib.dashboard.actions import ActionError
from lib.dashboard.roles import Role
from tests.conftest import make_store
from tests.dashboard.conftest import actor, page


def _contact(db: Database, store_id: int) -> str | None:
    with db.read() as session:
        return session.get(Store, store_id).contact_email


def _events(db: Database) -> list[RequestEvent]:
    with db.read() as session:
        return list(session.scalars(select(RequestEvent).order_by(RequestEvent.seq)))


def test_the_version_status_is_computed_for_the_day() -> None:
    config = load_config({})
    assert connection_view.version_status(config, date(2026, 12, 4)).warning is None
    stale = connection_view.version_status(config, date(2027, 10, 1))
    assert stale.pinned == "2026-10" and "left Shopify's support window" in str(stale.warning)


def test_settings_warns_about_a_version_out_of_support(app_db, monkeypatch) -> None:
    make_store(app_db)
    monkeypatch.setenv("SHOPIFY_API_VERSION", "2019-04")
    process_config.get_config.cache_clear()
    at = page("pages/settings.py", Role.MERCHANT).run()
    assert any("2019-04 left Shopify's support window" in w.value for w in at.warning)


def test_a_store_address_is_validated_normalised_and_audited(app_db) -> None:
    store = make_store(app_db)
    admin = actor("admin")
    saved = store_actions.set_contact_email(app_db, admin, store.id, " Privacy@Shop.EXAMPLE ")
    assert saved == _contact(app_db, store.id) == "Privacy@shop.example"
    [event] = _events(app_db)
    assert (event.kind, event.actor, event.request_id) == ("setting", admin.email, None)
    assert event.details == {
        "store": "demo-shop.myshopify.com",
        "key": "contact_email",
        "before": "owner@demo-shop.test",
        "after": "Privacy@shop.example",
    }
    store_actions.set_contact_email(app_db, admin, store.id, "Privacy@shop.example")
    assert len(_events(app_db)) == 1  # unchanged: nothing recorded


@pytest.mark.parametrize("bad", ["not-an-email", "a@b", "two@@at.example"])
def test_a_bad_address_gets_one_sentence_and_changes_nothing(app_db, bad) -> None:
    store = make_store(app_db)
    with pytest.raises(ActionError, match=r"is not a valid email address\.$"):
        store_actions.set_contact_email(app_db, actor("merchant"), store.id, bad)
    assert _contact(app_db, store.id) == "owner@demo-shop.test"
    with app_db.read() as session:
        assert session.scalar(select(func.count()).select_from(RequestEvent)) == 0


def test_an_empty_address_falls_back_to_merchant_email(app_db) -> None:
    store = make_store(app_db)
    assert store_actions.set_contact_email(app_db, actor("merchant"), store.id, "  ") is None
    assert _contact(app_db, store.id) is None
    at = page("pages/settings.py", Role.MERCHANT).run()
    assert any(
        "no contact address: merchant notifications go to merchant@example.com" in c.value
        for c in at.caption
    )


def test_the_merchant_changes_the_address_on_the_page(app_db) -> None:
    store = make_store(app_db)
    at = page("pages/settings.py", Role.MERCHANT).run()
    assert at.text_input(key=f"pd_set_contact_{store.id}").value == "owner@demo-shop.test"
    at.text_input(key=f"pd_set_contact_{store.id}").input("dpo@demo-shop.example")
    at.button(key=f"pd_set_contact_save_{store.id}").click().run()
    assert [s.value for s in at.success] == [
        "Merchant notifications of Demo Shop go to the new address"
    ]
    assert _contact(app_db, store.id) == "dpo@demo-shop.example"
    at.text_input(key=f"pd_set_contact_{store.id}").input("nobody")
    at.button(key=f"pd_set_contact_save_{store.id}").click().run()
    assert at.error[0].value == "'nobody' is not a valid email address."
    assert _contact(app_db, store.id) == "dpo@demo-shop.example"
