"""Requests that come through the Shopify app proxy: verified before anything else happens.

`storefront` is the FastAPI dependency of every storefront route: it verifies the signed query
(`lib.security.verify_app_proxy_query`, 300 s window) and returns who is asking. A request that
fails raises `ProxyRefused` (answered 401) and is logged without its query.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from fastapi import Request

from lib.core.config import Config
from lib.intake import ratelimit
from lib.security import InvalidSignature, ProxyContext, verify_app_proxy_query

log = logging.getLogger("privacy_desk.intake")

MAX_AGE_SECONDS = 300
STANDALONE = ("view", "page")
"""`?view=page` asks for a whole HTML page instead of a Liquid fragment (local walk-through)."""
SHOP_DOMAIN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}(\.[a-z0-9][a-z0-9-]{0,62})+")
"""What a shop domain may look like (it ends up in headers and links)."""


class ProxyRefused(Exception):
    """The request did not come signed through the app proxy (or its signature is stale)."""


@dataclass(frozen=True, slots=True)
class Storefront:
    """A verified storefront request."""

    shop: str
    customer_id: str | None
    path_prefix: str
    liquid: bool
    address: str


def raw_query(request: Request) -> str:
    """The query string exactly as received (the signature covers its decoded values)."""
    query: bytes = request.scope.get("query_string", b"")
    return query.decode("latin-1")


def client_address(request: Request) -> str:
    """The visitor's address (`lib.intake.ratelimit.client_address`: TRUSTED_PROXY_HOPS)."""
    return ratelimit.client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for", ""),
        request.app.state.config.trusted_proxy_hops,
    )


def verify_proxy(request: Request, config: Config) -> ProxyContext:
    """Verify the app proxy signature of `request`; raises ProxyRefused."""
    try:
        context = verify_app_proxy_query(
            raw_query(request), config.shopify_api_secret, max_age_s=MAX_AGE_SECONDS
        )
    except InvalidSignature as exc:
        log.info("refused storefront request to %s: %s", request.url.path, exc)
        raise ProxyRefused(str(exc)) from None
    if not SHOP_DOMAIN.fullmatch(context.shop):
        log.info("refused storefront request to %s: malformed shop", request.url.path)
        raise ProxyRefused("malformed shop")
    return context


async def storefront(request: Request) -> Storefront:
    """FastAPI dependency: the verified storefront request, or ProxyRefused.

    Async because it never blocks (an HMAC and a few string checks): FastAPI runs a plain `def`
    dependency in a worker thread, a hop that cost every request more than the check itself.
    """
    context = verify_proxy(request, request.app.state.config)
    standalone = request.query_params.get(STANDALONE[0]) == STANDALONE[1]
    customer_id = context.logged_in_customer_id
    if customer_id is not None and not customer_id.isdigit():
        raise ProxyRefused("malformed customer id")
    return Storefront(
        shop=context.shop,
        customer_id=customer_id,
        path_prefix=context.path_prefix,
        liquid=not standalone,
        address=client_address(request),
    )
