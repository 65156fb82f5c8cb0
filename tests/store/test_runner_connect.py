"""`make run` connects the demo shops the way a real shop is connected: client credentials."""

from __future__ import annotations

from pathlib import Path

from lib.core.db import Database
from lib.core.enums import ConnectionMode, ConnectionState
from lib.runner import local_services
from lib.store import store_client
from lib.store.api import access_scopes
from tests.helpers.stores import make_store
from tests.store.oauth import connection_of, grants, oauth_config, oauth_store


def test_the_demo_store_service_connects_every_store_once_it_answers(
    sqlite_db: Database, tmp_path: Path
) -> None:
    db = sqlite_db
    shops = [
        make_store(db, domain) for domain in ("demo-shop.myshopify.com", "demo-us.myshopify.com")
    ]
    with oauth_store(db) as server:
        config = oauth_config(server, db, tmp_path)
        demo_store = next(s for s in local_services(config) if s.name == "demo store")
        assert demo_store.started is not None
        demo_store.started()  # what run_services does right after starting the process
        assert all(access_scopes(store_client(config, s.shop_domain)) for s in shops)
        counts = grants(server)
    assert counts["client_credentials"] == 2 and counts["unauthorized"] == 0
    for shop in shops:
        row = connection_of(db, shop.id)
        assert row.mode == ConnectionMode.CLIENT_CREDENTIALS and row.api_url == server.url
        assert row.state == ConnectionState.CONNECTED and row.access_expires_at is not None
