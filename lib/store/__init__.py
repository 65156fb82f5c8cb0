"""The store: Shopify Admin GraphQL client, the bundled demo store and the store sync.

`store_client(config, shop_domain)` is the one way to get a client: a real shop when
`SHOPIFY_SHOP` is set, else the demo store at `DEMO_STORE_URL`. One client per store and process.
"""

from __future__ import annotations

from functools import cache

from lib.core.config import Config, get_config
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

__all__ = [
    "CustomerNotFound",
    "ShopifyClient",
    "StoreAccessDenied",
    "StoreAuthError",
    "StoreCustomer",
    "StoreError",
    "StoreUnavailable",
    "find_customers",
    "get_customer",
    "store_client",
]


def store_client(config: Config | None = None, shop_domain: str | None = None) -> ShopifyClient:
    """The client of `shop_domain` (default: the configured shop), created once per process.

    Raises:
        StoreError: a real shop is configured and `shop_domain` names another one.
    """
    config = config or get_config()
    retry = (config.store_max_attempts, config.store_backoff_ms)
    if config.demo_mode:
        demo = (config.demo_store_url, config.shopify_api_version, config.demo_store_token)
        return _client(*demo, shop_domain, retry)
    if shop_domain and shop_domain != config.shopify_shop:
        raise StoreError(
            f"no access token for {shop_domain}: SHOPIFY_SHOP is {config.shopify_shop}"
        )
    base = config.shopify_shop
    base = base if base.startswith("http") else f"https://{base}"
    return _client(base, config.shopify_api_version, config.shopify_access_token, None, retry)


@cache
def _client(
    base_url: str, version: str, token: str, shop: str | None, retry: tuple[int, int]
) -> ShopifyClient:
    attempts, backoff_ms = retry
    first = backoff_ms / 1000
    return ShopifyClient(
        base_url,
        version,
        token,
        shop,
        max_attempts=attempts,
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
