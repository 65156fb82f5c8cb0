"""The store: Shopify Admin GraphQL client, the bundled demo store and the store sync.

`store_client(config, shop_domain)` is the one way to get a client: one per store and process,
built from the store's connection (`lib.store.connection`: its Admin API address, its token,
renewed as it expires). The connection helpers the install callback and the uninstall webhook
use are re-exported here.
"""

from __future__ import annotations

import threading

from sqlalchemy import select

from lib.core.config import Config, get_config
from lib.core.db import Database, get_database
from lib.core.models import Store
from lib.store.api import StoreCustomer
from lib.store.api import find_customers as _find_customers
from lib.store.api import get_customer as _get_customer
from lib.store.client import (
    CustomerNotFound,
    ShopifyClient,
    StoreAccessDenied,
    StoreAuthError,
    StoreError,
    StoreUnavailable,
)
from lib.store.connection import (
    ConnectionAuth,
    Credentials,
    StoreNeedsReconnect,
    connect_client_credentials,
    disconnect,
    exchange_code,
    load_credentials,
    save_connection,
)
from lib.store.grants import GrantRefused, TokenGrant

__all__ = [
    "CustomerNotFound",
    "GrantRefused",
    "ShopifyClient",
    "StoreAccessDenied",
    "StoreAuthError",
    "StoreCustomer",
    "StoreError",
    "StoreNeedsReconnect",
    "StoreUnavailable",
    "TokenGrant",
    "connect_client_credentials",
    "disconnect",
    "exchange_code",
    "find_customers",
    "get_customer",
    "save_connection",
    "store_client",
]


def store_client(config: Config | None = None, shop_domain: str | None = None) -> ShopifyClient:
    """The client of `shop_domain` (default: SHOPIFY_SHOP, else the first store), one per store
    and process, built from the store's connection and re-reading it on every call.

    Raises:
        StoreNeedsReconnect: the store's connection must be renewed by the merchant.
        StoreError: the shop has no connection and the environment names no token for it.
    """
    config = config or get_config()
    db = get_database(config.database_url)
    shop = shop_domain or _default_shop(db, config)
    credentials = load_credentials(db, config, shop)
    key = (db.url, shop, credentials.store_id, credentials.mode, credentials.api_url, config)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = _new_client(db, config, credentials)
    assert isinstance(client.auth, ConnectionAuth)
    client.auth.adopt(credentials)
    return client


_clients: dict[tuple[object, ...], ShopifyClient] = {}
_clients_lock = threading.Lock()


def _default_shop(db: Database, config: Config) -> str:
    if config.shopify_shop:
        return config.shopify_shop
    with db.read() as session:
        first = session.scalars(select(Store.shop_domain).order_by(Store.id).limit(1)).first()
    if first is None:
        raise StoreError("no store is connected yet")
    return first


def _new_client(db: Database, config: Config, credentials: Credentials) -> ShopifyClient:
    first = config.store_backoff_ms / 1000
    return ShopifyClient(
        credentials.api_url,
        config.shopify_api_version,
        shop_domain=credentials.shop_domain,
        auth=ConnectionAuth(db, config, credentials),
        max_attempts=config.store_max_attempts,
        backoff_base=first,
        backoff_cap=16 * first,
    )


def get_customer(
    shopify_customer_id: str | int,
    shop_domain: str | None = None,
    config: Config | None = None,
    *,
    max_attempts: int | None = None,
) -> StoreCustomer:
    """One customer (email, name, country, province…); raises CustomerNotFound or StoreError."""
    client = store_client(config, shop_domain)
    return _get_customer(client, shopify_customer_id, max_attempts=max_attempts)


def find_customers(
    query: str,
    shop_domain: str | None = None,
    config: Config | None = None,
    limit: int = 25,
    *,
    max_attempts: int | None = None,
) -> list[StoreCustomer]:
    """The dashboard's customer search (Shopify search syntax: `email:`, `phone:`, names)."""
    client = store_client(config, shop_domain)
    return _find_customers(client, query, limit, max_attempts=max_attempts)
