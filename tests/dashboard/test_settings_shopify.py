"""Settings' Shopify section: the API version check and each store's notification address."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lib.core import config as process_config
from lib.core.config import load_config
from lib.core.db import Database
from lib.core.enums import ConnectionMode, ConnectionState
from lib.core.models import RequestEvent, Store, StoreConnection
from lib.dashboard import connection_view, store_actions
from lib.dashboard.actions import ActionError
from lib.dashboard.roles import Role
from tests.dashboard.conftest import actor, page
from tests.helpers.stores import make_store


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


NOW = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)


def _connect(db: Database, store_id: int, **values: object) -> None:
    with db.write() as session:
        session.add(StoreConnection(store_id=store_id, api_url="https://x.example", **values))


def test_durations_read_as_words() -> None:
    assert connection_view.duration(30) == "less than a minute"
    assert connection_view.duration(61) == "1 minute"
    assert connection_view.duration(3599) == "59 minutes"
    assert connection_view.duration(5 * 3600 + 10) == "5 hours"
    assert connection_view.duration(89 * 86400 + 5) == "89 days"


def test_token_expiry_in_words_for_each_kind_of_connection(app_db) -> None:
    installed, own, legacy, bare = (make_store(app_db, f"s{n}.myshopify.com") for n in range(4))
    _connect(
        app_db,
        installed.id,
        mode=ConnectionMode.OAUTH,
        access_expires_at=NOW + timedelta(minutes=42),
        refresh_expires_at=NOW + timedelta(days=89, hours=1),
    )
    _connect(
        app_db,
        own.id,
        mode=ConnectionMode.CLIENT_CREDENTIALS,
        access_expires_at=NOW - timedelta(minutes=3),
    )
    _connect(app_db, legacy.id, mode=ConnectionMode.STATIC)
    views = {v.id: v for v in connection_view.store_views(app_db)}
    assert views[installed.id].token_expiry(NOW) == (
        "The access token expires in 42 minutes; it is renewed before then. "
        "Its refresh token is good for another 89 days."
    )
    assert views[own.id].token_expiry(NOW) == (
        "The access token expired 3 minutes ago; the next call renews it."
    )
    assert views[legacy.id].token_expiry(NOW) == "The access token does not expire."
    assert views[bare.id].token_expiry(NOW) is None
    assert views[own.id].connection() == (
        "Connected — The merchant's own app (client credentials, daily token)"
    )
    assert views[bare.id].connection().startswith("No connection stored yet")


def test_a_store_that_needs_reconnecting_gets_the_install_link(app_db, monkeypatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://desk.example")
    process_config.get_config.cache_clear()
    store = make_store(app_db)
    _connect(
        app_db,
        store.id,
        mode=ConnectionMode.OAUTH,
        state=ConnectionState.NEEDS_RECONNECT,
        last_error="invalid_grant: the refresh token was already used",
    )
    at = page("pages/settings.py", Role.MERCHANT).run()
    assert any(
        m.value.startswith("Needs reconnecting — Installed from Shopify") for m in at.markdown
    )
    [warning] = [w.value for w in at.warning if "refused to renew" in w.value]
    assert "invalid_grant: the refresh token was already used" in warning
    [link] = at.get("link_button")
    assert link.proto.label == "Reconnect this store"
    assert link.proto.url == "https://desk.example/auth/install?shop=demo-shop.myshopify.com"


def test_an_uninstalled_store_says_so(app_db) -> None:
    store = make_store(app_db)
    _connect(app_db, store.id, mode=ConnectionMode.OAUTH, state=ConnectionState.UNINSTALLED)
    [view] = connection_view.store_views(app_db)
    assert view.needs_reconnect and view.token_expiry(NOW) is None
    assert view.reconnect_reason().startswith("The app was uninstalled from this shop")
