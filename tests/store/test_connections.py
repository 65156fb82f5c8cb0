"""Per-store connections against the demo store's OAuth: install, renewal ahead of expiry and
after a 401, a refused renewal, client credentials, concurrency, the legacy static token."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text, update

from lib.core.config import Config, ConfigError, load_config
from lib.core.crypto import decrypt_token
from lib.core.db import Database
from lib.core.enums import ConnectionMode, ConnectionState
from lib.core.models import Customer, Job, Request, Store, StoreConnection, utcnow
from lib.store import (
    GrantRefused,
    StoreError,
    StoreNeedsReconnect,
    connect_client_credentials,
    disconnect,
    exchange_code,
    save_connection,
    store_client,
)
from lib.store.api import access_scopes
from lib.store.client import ShopifyClient
from lib.store.connection import ConnectionAuth, load_credentials, shop_base_url
from lib.store.demo_oauth import DemoOAuth
from lib.store.grants import TokenGrant
from tests.helpers.stores import make_store
from tests.store.helpers import SHOP, TOKEN, config_for, post
from tests.store.oauth import (
    CLIENT_ID,
    CLIENT_SECRET,
    SCOPES,
    connection_of,
    grants,
    install,
    oauth_config,
    oauth_store,
)


def _make_due(db: Database, store_id: int) -> None:
    """Move the stored token to the last seconds of a long lifetime: the client must renew."""
    now = utcnow()
    with db.write() as session:
        session.execute(
            update(StoreConnection)
            .where(StoreConnection.store_id == store_id)
            .values(refreshed_at=now - timedelta(hours=1), access_expires_at=now)
        )


def test_install_stores_encrypted_tokens_and_the_client_uses_them(
    db: Database, tmp_path: Path
) -> None:
    store = make_store(db)
    with oauth_store(db) as server:
        config = oauth_config(server, db, tmp_path)
        row = install(server, db, config, SHOP)
        client = store_client(config, SHOP)
        scopes = access_scopes(client)
        counts = grants(server)
    stored = connection_of(db, store.id)
    assert stored.mode == ConnectionMode.OAUTH and stored.state == ConnectionState.CONNECTED
    assert stored.scopes == ",".join(SCOPES) and set(SCOPES) <= set(scopes)
    lifetime = stored.access_expires_at - stored.refreshed_at
    assert lifetime == timedelta(seconds=3600) and stored.refresh_expires_at > stored.refreshed_at
    with db.read() as session:
        raw = session.execute(text("SELECT access_token, refresh_token FROM store_connections"))
        access, refresh = raw.one()
    assert not access.startswith("shpat_") and not refresh.startswith("shprt_")  # ciphertext
    assert decrypt_token(config, access).startswith("shpat_") and row.id == stored.id
    assert client.base_url == server.url and counts["authorization_code"] == 1


def test_a_401_renews_once_and_the_query_succeeds(sqlite_db: Database, tmp_path: Path) -> None:
    db, store = sqlite_db, make_store(sqlite_db)
    clock = [1000.0]
    oauth = DemoOAuth(CLIENT_ID, CLIENT_SECRET, 3600, clock=lambda: clock[0])
    with oauth_store(db, oauth=oauth) as server:
        config = oauth_config(server, db, tmp_path)
        install(server, db, config, SHOP)
        before = connection_of(db, store.id)
        clock[0] += 3601  # the shop's clock: the token expired there, not yet by ours
        assert access_scopes(store_client(config, SHOP))
        counts = grants(server)
    after = connection_of(db, store.id)
    assert counts["unauthorized"] == 1 and counts["refresh_token"] == 1
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token  # rotated, the old one spent
    assert after.refreshed_at > before.refreshed_at and after.state == ConnectionState.CONNECTED


def test_a_token_about_to_expire_is_renewed_before_it_is_sent(
    sqlite_db: Database, tmp_path: Path
) -> None:
    db, store = sqlite_db, make_store(sqlite_db)
    with oauth_store(db) as server:
        config = oauth_config(server, db, tmp_path)
        install(server, db, config, SHOP)
        _make_due(db, store.id)
        assert access_scopes(store_client(config, SHOP))
        counts = grants(server)
    assert counts["refresh_token"] == 1 and counts["unauthorized"] == 0
    assert connection_of(db, store.id).access_expires_at > utcnow() + timedelta(minutes=59)


def _table_counts(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Store, StoreConnection, Request, Customer, Job)
        }


def test_a_refused_renewal_marks_needs_reconnect_and_changes_nothing_else(
    db: Database, tmp_path: Path
) -> None:
    store = make_store(db)
    with oauth_store(db) as server:
        config = oauth_config(server, db, tmp_path)
        install(server, db, config, SHOP)
        client = store_client(config, SHOP)
        before, counts_before = connection_of(db, store.id), _table_counts(db)
        post(server, "/_demo/revoke", {"shop": SHOP})  # the shop withdrew the app's grant
        with pytest.raises(StoreNeedsReconnect, match=SHOP) as raised:
            access_scopes(client)
        with pytest.raises(StoreNeedsReconnect, match="invalid_grant"):
            store_client(config, SHOP)
    after = connection_of(db, store.id)
    assert after.state == ConnectionState.NEEDS_RECONNECT
    assert after.last_error == (
        "renewing the token failed: the shop refused the refresh token "
        "(invalid_grant: The refresh token is invalid or expired)"
    )
    assert raised.value.shop_domain == SHOP
    unchanged = ("access_token", "refresh_token", "access_expires_at", "refreshed_at", "mode")
    assert all(getattr(after, name) == getattr(before, name) for name in unchanged)
    assert _table_counts(db) == counts_before


def test_client_credentials_connect_and_renew_by_themselves(db: Database, tmp_path: Path) -> None:
    store = make_store(db)
    with oauth_store(db) as server:
        config = oauth_config(server, db, tmp_path)
        connected = connect_client_credentials(db, config, SHOP)
        assert connected.mode == ConnectionMode.CLIENT_CREDENTIALS
        assert connected.refresh_token is None
        assert connected.access_expires_at - connected.refreshed_at == timedelta(seconds=3600)
        client = store_client(config, SHOP)
        assert access_scopes(client)
        _make_due(db, store.id)
        assert access_scopes(store_client(config, SHOP))  # renewed ahead of expiry
        post(server, "/_demo/revoke", {"shop": SHOP})
        assert access_scopes(client)  # 401 → a new client-credentials token → success
        counts = grants(server)
    assert counts["client_credentials"] == 3 and counts["unauthorized"] == 1
    assert connection_of(db, store.id).state == ConnectionState.CONNECTED


class _ApiClosed(DemoOAuth):
    """A shop whose token endpoint still issues tokens that its Admin API refuses."""

    closed = False

    def accepts(self, token: str, shop: str | None) -> bool:
        return not self.closed and super().accepts(token, shop)


def test_a_renewed_token_refused_again_makes_the_store_need_reconnecting(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """Not a permanent failure: the store is marked and its jobs wait for the merchant."""
    db, store = sqlite_db, make_store(sqlite_db)
    oauth = _ApiClosed(CLIENT_ID, CLIENT_SECRET, 3600)
    with oauth_store(db, oauth=oauth) as server:
        config = oauth_config(server, db, tmp_path)
        connect_client_credentials(db, config, SHOP)
        client = store_client(config, SHOP)
        assert access_scopes(client)
        oauth.closed = True
        with pytest.raises(StoreNeedsReconnect, match="just issued"):
            access_scopes(client)
        counts = grants(server)
    assert counts["client_credentials"] == 2 and counts["unauthorized"] == 0
    after = connection_of(db, store.id)
    assert after.state == ConnectionState.NEEDS_RECONNECT
    assert after.last_error == "the store refused a token it had just issued (HTTP 401)"


def test_client_credentials_refused_writes_nothing(sqlite_db: Database, tmp_path: Path) -> None:
    db = sqlite_db
    with oauth_store(db) as server:
        config = oauth_config(server, db, tmp_path, shopify_api_secret="wrong")
        with pytest.raises(GrantRefused, match="invalid_client: Client authentication failed"):
            connect_client_credentials(db, config, "new-shop.myshopify.com")
        with pytest.raises(GrantRefused, match="invalid_request"):
            exchange_code(oauth_config(server, db, tmp_path), SHOP, "not-a-code")
        for bad in ("evil.example", "shop.myshopify.com.evil.example", "https://x.myshopify.com"):
            with pytest.raises(StoreError, match="is not a Shopify shop domain"):
                connect_client_credentials(db, config, bad)
            with pytest.raises(StoreError, match="is not a Shopify shop domain"):
                exchange_code(config, bad, "code")
        counts = grants(server)
    assert _table_counts(db)["stores"] == 0 and _table_counts(db)["store_connections"] == 0
    assert counts["refused"] == 2 and counts["client_credentials"] == 0  # the bad ones: not sent


@pytest.mark.parametrize("mode", [ConnectionMode.OAUTH, ConnectionMode.CLIENT_CREDENTIALS])
def test_two_processes_renewing_at_once_spend_one_grant(
    db: Database, tmp_path: Path, mode: ConnectionMode
) -> None:
    store = make_store(db)
    with oauth_store(db) as server:
        config = oauth_config(server, db, tmp_path)
        if mode is ConnectionMode.OAUTH:
            install(server, db, config, SHOP)
        else:
            connect_client_credentials(db, config, SHOP)
        _make_due(db, store.id)
        stale = load_credentials(db, config, SHOP)
        clients = [  # two processes' clients: each its own auth, the same stale token
            ShopifyClient(
                server.url, "2026-10", shop_domain=SHOP, auth=ConnectionAuth(db, config, stale)
            )
            for _ in range(2)
        ]
        start, results = threading.Barrier(2), []

        def run(client: ShopifyClient) -> None:
            start.wait()
            results.append(access_scopes(client))

        threads = [threading.Thread(target=run, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        counts = grants(server)
    renewals = (
        counts["refresh_token"]
        if mode is ConnectionMode.OAUTH
        else counts["client_credentials"] - 1
    )
    assert len(results) == 2 and renewals == 1 and counts["refused"] == 0
    assert connection_of(db, store.id).state == ConnectionState.CONNECTED


def test_a_disconnected_store_raises_needs_reconnect_naming_it(
    sqlite_db: Database, tmp_path: Path
) -> None:
    db, store = sqlite_db, make_store(sqlite_db)
    with oauth_store(db) as server:
        config = oauth_config(server, db, tmp_path)
        connect_client_credentials(db, config, SHOP)
        with db.write() as session:
            disconnect(session, session.get(Store, store.id), "the app was uninstalled")
        with pytest.raises(StoreNeedsReconnect) as raised:
            store_client(config, SHOP)
    row = connection_of(db, store.id)
    assert row.state == ConnectionState.UNINSTALLED and row.access_token is None
    assert str(raised.value) == f"{SHOP} must be reconnected: the app was uninstalled"


def test_legacy_static_tokens_keep_working(sqlite_db: Database, tmp_path: Path) -> None:
    db, store = sqlite_db, make_store(sqlite_db)
    with oauth_store(db) as server:
        demo = config_for(server, db, tmp_path)  # no row, no real shop: the demo static token
        assert access_scopes(store_client(demo, SHOP))
        real = demo.replace(shopify_shop=server.url, shopify_access_token=TOKEN)
        assert access_scopes(store_client(real))  # SHOPIFY_SHOP + SHOPIFY_ACCESS_TOKEN
        grant = TokenGrant(server.url, TOKEN, "read_customers", utcnow())
        with db.write() as session:
            save_connection(session, session.get(Store, store.id), "static", grant, config=demo)
        assert access_scopes(store_client(demo, SHOP))
        counts = grants(server)
    row = connection_of(db, store.id)
    assert row.mode == ConnectionMode.STATIC and row.access_expires_at is None
    assert (
        sum(counts[k] for k in ("authorization_code", "refresh_token", "client_credentials")) == 0
    )


def test_tokens_never_reach_logs_or_error_messages(
    sqlite_db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db, store = sqlite_db, make_store(sqlite_db)
    caplog.set_level(logging.DEBUG)
    seen: set[str] = set()
    messages: list[str] = []
    with oauth_store(db) as server:
        config = oauth_config(server, db, tmp_path)
        install(server, db, config, SHOP)
        seen |= _tokens(db, config, store.id)
        _make_due(db, store.id)
        access_scopes(store_client(config, SHOP))
        seen |= _tokens(db, config, store.id)
        post(server, "/_demo/revoke", {"shop": SHOP})
        for attempt in (
            lambda: access_scopes(store_client(config, SHOP)),
            lambda: store_client(config, SHOP),
        ):
            with pytest.raises(StoreNeedsReconnect) as raised:
                attempt()
            messages.append(str(raised.value))
            messages.append(repr(raised.value))
        messages.append(
            repr(
                load_credentials(
                    db, config.replace(shopify_shop="", demo_store_token="x"), "x.myshopify.com"
                )
            )
        )
    row = connection_of(db, store.id)
    messages.append(str(row.last_error))
    assert len(seen) == 4 and caplog.records  # two access and two refresh tokens, logs were kept
    for token in seen:
        assert token not in caplog.text
        assert not any(token in message for message in messages)


def _tokens(db: Database, config, store_id: int) -> set[str]:
    row = connection_of(db, store_id)
    return {decrypt_token(config, row.access_token), decrypt_token(config, row.refresh_token)}


def test_a_rotated_client_secret_makes_client_credentials_stores_need_reconnecting(
    sqlite_db: Database, tmp_path: Path
) -> None:
    db, store = sqlite_db, make_store(sqlite_db)
    with oauth_store(db) as server:
        config = oauth_config(server, db, tmp_path)
        connect_client_credentials(db, config, SHOP)
        refused = httpx.post(f"{server.url}/_demo/oauth", json={"lifetime": 1}, timeout=5)
        assert refused.status_code == 400 and "lifetime" in refused.json()["errors"]
        post(server, "/_demo/oauth", {"client_secret": "rotated-in-the-dev-dashboard"})
        _make_due(db, store.id)
        with pytest.raises(StoreNeedsReconnect, match="invalid_client"):
            access_scopes(store_client(config, SHOP))
    assert connection_of(db, store.id).state == ConnectionState.NEEDS_RECONNECT


def test_where_a_shop_answers_is_configured_once_for_every_shop() -> None:
    shop = "acme.myshopify.com"
    assert shop_base_url(Config(), shop) == Config().demo_store_url
    assert shop_base_url(Config(shopify_shop="x.myshopify.com"), shop) == f"https://{shop}"
    real = load_config({"SHOPIFY_ADMIN_URL": "https://{shop}"})
    assert shop_base_url(real, shop) == f"https://{shop}"
    with pytest.raises(ConfigError, match=r"SHOPIFY_ADMIN_URL='https://shopify.com' .*\{shop\}"):
        load_config({"SHOPIFY_ADMIN_URL": "https://shopify.com"})
