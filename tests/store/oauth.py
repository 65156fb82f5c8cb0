"""Shared by the connection tests: a demo store with its OAuth app, installs, connection rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from lib.core.config import Config
from lib.core.db import Database
from lib.core.enums import ConnectionMode
from lib.core.models import Store, StoreConnection
from lib.store import exchange_code, save_connection
from lib.store.demo_oauth import DemoOAuth
from lib.store.demo_server import DemoStoreServer
from lib.store.demo_store import DemoStore
from tests.store.helpers import FAST, TOKEN, config_for

CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"
SCOPES = ["read_customers", "read_orders", "read_all_orders"]


@contextmanager
def oauth_store(
    db: Database, lifetime: float = 3600.0, oauth: DemoOAuth | None = None, **options: Any
) -> Iterator[DemoStoreServer]:
    """A demo store over `db` whose token endpoint knows the test app; stopped afterwards."""
    app = oauth or DemoOAuth(CLIENT_ID, CLIENT_SECRET, lifetime)
    store = DemoStore(db, access_token=TOKEN, **{**FAST, **options})
    server = DemoStoreServer(store, oauth=app).start()
    try:
        yield server
    finally:
        server.stop()


def oauth_config(server: DemoStoreServer, db: Database, export_dir: Path, **values: Any) -> Config:
    """The test app's Config: the demo store, `db`, client id and secret, short backoffs."""
    settings = {"shopify_api_key": CLIENT_ID, "shopify_api_secret": CLIENT_SECRET, **values}
    return config_for(server, db, export_dir, store_backoff_ms=10, **settings)


def install(server: DemoStoreServer, db: Database, config: Config, shop: str) -> StoreConnection:
    """Install the app on `shop` the way the intake callback does: code → grant → connection."""
    code = server.oauth.issue_code(shop, CLIENT_ID, SCOPES)
    grant = exchange_code(config, shop, code)
    with db.write() as session:
        store = session.scalars(select(Store).where(Store.shop_domain == shop)).one()
        return save_connection(session, store, ConnectionMode.OAUTH, grant, config=config)


def connection_of(db: Database, store_id: int) -> StoreConnection:
    """The store's connection row as stored now."""
    with db.read() as session:
        return session.scalars(
            select(StoreConnection).where(StoreConnection.store_id == store_id)
        ).one()


def grants(server: DemoStoreServer) -> dict[str, Any]:
    """The demo store's counts of grants, refusals and 401s."""
    return httpx.get(f"{server.url}/_demo/oauth", timeout=5).json()
