"""Signed storefront links for trying the customer side on one machine, without a real shop.

They carry the parameters Shopify's app proxy would add, signed with SHOPIFY_API_SECRET, and
`view=page` so the intake answers a whole page rather than a theme fragment. Like Shopify's own,
they are valid for the proxy window (5 minutes) — print or show fresh ones when needed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib.core.config import Config
from lib.core.models import Customer, DemoCustomer, Store
from lib.intake.proxy import STANDALONE
from lib.security import sign_app_proxy_query

DEFAULT_SHOP = "demo-shop.myshopify.com"


@dataclass(frozen=True, slots=True)
class WalkthroughLink:
    """One link and who it acts as."""

    label: str
    url: str


def intake_base_url(config: Config) -> str:
    """Where this machine's intake service answers (0.0.0.0 is reached as 127.0.0.1)."""
    host = "127.0.0.1" if config.intake_host in ("0.0.0.0", "", "::") else config.intake_host  # noqa: S104
    return f"http://{host}:{config.intake_port}"


def signed_query(
    config: Config,
    shop: str,
    customer_id: str | None = None,
    *,
    extra: dict[str, str] | None = None,
    now: float | None = None,
) -> str:
    """A query string as the app proxy would forward it, for a guest or a logged-in customer."""
    params: dict[str, str | list[str]] = dict(extra or {})
    params.update(
        shop=shop,
        logged_in_customer_id=customer_id or "",
        path_prefix=config.app_proxy_prefix,
        timestamp=str(int(time.time() if now is None else now)),
    )
    return sign_app_proxy_query(params, config.shopify_api_secret)


def storefront_link(
    config: Config,
    shop: str,
    customer_id: str | None = None,
    *,
    notice: str | None = None,
    base_url: str | None = None,
) -> str:
    """A signed link to the storefront page on this machine's intake service."""
    extra = {STANDALONE[0]: STANDALONE[1]}
    if notice:
        extra["notice"] = notice
    query = signed_query(config, shop, customer_id, extra=extra)
    return f"{base_url or intake_base_url(config)}{config.app_proxy_prefix}?{query}"


def walkthrough_links(
    session: Session,
    config: Config,
    *,
    shop: str | None = None,
    customers: int = 3,
    also: list[str] | None = None,
) -> list[WalkthroughLink]:
    """A guest link, links as the first `customers` customers of `shop` (default: the first
    store) and as each customer id in `also`."""
    shop = shop or session.scalar(select(Store.shop_domain).order_by(Store.id)) or DEFAULT_SHOP
    links = [WalkthroughLink("as a guest", storefront_link(config, shop))]
    for customer_id, first, last, email in _some_customers(session, shop, customers):
        name = " ".join(part for part in (first, last) if part)
        label = f"as customer {customer_id} ({name} <{email}>)" if name else f"as {email}"
        links.append(WalkthroughLink(label, storefront_link(config, shop, customer_id)))
    for customer_id in also or []:
        url = storefront_link(config, shop, customer_id)
        links.append(WalkthroughLink(f"as customer {customer_id}", url))
    return links


def _some_customers(
    session: Session, shop: str, limit: int
) -> list[tuple[str, str | None, str | None, str | None]]:
    synced = session.execute(
        select(Customer.shopify_id, Customer.first_name, Customer.last_name, Customer.email)
        .join(Store, Store.id == Customer.store_id)
        .where(Store.shop_domain == shop, Customer.email.is_not(None))
        .order_by(Customer.id)
        .limit(limit)
    ).all()
    found = [tuple(row) for row in synced]
    if len(found) >= limit:
        return found
    # The store's customers are synced one by one (a logged-in request syncs its customer), so
    # the demo store's own customers fill the list up to `limit`.
    known = {row[0] for row in found}
    demo = session.execute(
        select(DemoCustomer.id, DemoCustomer.first_name, DemoCustomer.last_name, DemoCustomer.email)
        .where(DemoCustomer.shop_domain == shop)
        .order_by(DemoCustomer.id)
        .limit(limit + len(known))
    ).all()
    more = [(str(row[0]), row[1], row[2], row[3]) for row in demo if str(row[0]) not in known]
    return found + more[: limit - len(found)]
