"""Installing the app on a shop: Shopify's OAuth authorization-code grant, checked step by step.

`begin_install` answers Shopify's signed request to the app URL (or the dashboard's reconnect
link) with the shop's consent page address and a `state` nonce; `complete_install` checks the
signed callback and turns the code into a stored, encrypted connection. The nonce is a signed
token of `lib.security` naming the shop, valid `STATE_TTL_S`: the browser holds it in a cookie,
so a callback must come from the browser that began the install (a link made by someone else
fails), and it is spent in `used_tokens` in the same transaction that stores the connection, so
it works once. Nothing is written at the start (an open endpoint must not fill a table) nor for
any refused callback.

Every refusal is an `InstallRefused` with one sentence for the merchant.
"""

from __future__ import annotations

import hmac
import re
import urllib.parse
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lib.core.audit import SHOPIFY_ACTOR, append_event
from lib.core.config import Config
from lib.core.db import Database
from lib.core.enums import ConnectionMode, EventKind
from lib.core.models import Store, UsedToken, utcnow
from lib.intake.submit import store_for
from lib.jobs.queue import enqueue
from lib.security import (
    InvalidSignature,
    StaleSignature,
    TokenError,
    issue_token,
    read_token,
    token_fingerprint,
    verify_oauth_query,
)
from lib.store.client import ShopifyClient, StoreError, StoreUnavailable
from lib.store.connection import exchange_code, save_connection, shop_base_url
from lib.store.grants import TokenGrant
from lib.store.sync import SYNC_KIND

SHOP_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com")
STATE_PURPOSE = "oauth_state"
STATE_TTL_S = 600
"""Long enough to read the consent page; Shopify's own library allows one minute."""
CALLBACK_PATH = "/auth/callback"

SHOP_QUERY = """
query ShopFacts {
  shop {
    name
    contactEmail
    ianaTimezone
    shopAddress { countryCodeV2 }
  }
}
"""
"""What the install reads into the `stores` row. `shopAddress`, not `billingAddress`: the
schema of 2026-10 deprecates the latter in its favour."""

AGAIN = "please start the install again from your Shopify admin"
NOT_A_SHOP = "This link does not name a Shopify store (an address ending in .myshopify.com)."
NOT_SIGNED = f"This link was not signed by Shopify; {AGAIN}."
EXPIRED = f"This link has expired; {AGAIN}."
NO_STATE = f"This install was not started in this browser or took too long; {AGAIN}."
USED_STATE = f"This install link has already been used; {AGAIN}."
CODE_REFUSED = f"Shopify refused the authorization code; {AGAIN}."
UNREACHABLE = "Shopify could not be reached to finish the install; please try again shortly."
SHOP_UNREADABLE = "The store did not tell us its name and address; please try the install again."


class InstallRefused(Exception):
    """An install step that cannot go on; `message` is one sentence for the merchant."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class InstallStart:
    """Where to send the browser, and the state nonce to set in its cookie."""

    location: str
    state: str


def redirect_uri(config: Config) -> str:
    """The callback address registered in shopify.app.toml's `[auth] redirect_urls`."""
    return config.public_base_url.rstrip("/") + CALLBACK_PATH


def _verified(config: Config, query_string: str, now: datetime) -> dict[str, str]:
    """The query's parameters once its shop, HMAC and timestamp are Shopify's."""
    shop = dict(urllib.parse.parse_qsl(query_string)).get("shop", "")
    if not SHOP_PATTERN.fullmatch(shop):
        raise InstallRefused(NOT_A_SHOP)
    try:
        return verify_oauth_query(query_string, config.shopify_api_secret, now=now.timestamp())
    except StaleSignature:
        raise InstallRefused(EXPIRED) from None
    except InvalidSignature:
        raise InstallRefused(NOT_SIGNED) from None


def _scopes(config: Config) -> str:
    return ",".join(s.strip() for s in config.shopify_scopes.split(",") if s.strip())


def _shop_to_install(config: Config, query_string: str, now: datetime) -> str:
    """The shop of an install request: Shopify's signed one is checked in full; a bare
    `?shop=` (the dashboard's *Reconnect this store* link, which cannot carry a signature that
    lasts) names the shop only. Both are safe to start from, as in Shopify's own library: this
    step writes nothing, the merchant approves on Shopify under their own login, and the
    callback is checked in full."""
    params = urllib.parse.parse_qs(query_string, keep_blank_values=True)
    if "hmac" in params or "timestamp" in params:
        return _verified(config, query_string, now)["shop"]
    shops = params.get("shop", [])
    if len(shops) != 1 or not SHOP_PATTERN.fullmatch(shops[0]):
        raise InstallRefused(NOT_A_SHOP)
    return shops[0]


def begin_install(config: Config, query_string: str, now: datetime | None = None) -> InstallStart:
    """Check the request to the app URL; return the consent page to redirect to.

    The query asks for an offline token (`grant_options[]` empty) exactly as Shopify's library
    does; that the token expires is asked for when the code is exchanged (`expiring=1`).
    """
    now = now or utcnow()
    shop = _shop_to_install(config, query_string, now)
    state = issue_token(config.token_secret, STATE_PURPOSE, shop, STATE_TTL_S, now=now.timestamp())
    query = urllib.parse.urlencode(
        [
            ("client_id", config.shopify_api_key),
            ("scope", _scopes(config)),
            ("redirect_uri", redirect_uri(config)),
            ("state", state),
            ("grant_options[]", ""),
        ],
        quote_via=urllib.parse.quote,
        safe="*",
    )
    base = shop_base_url(config, shop).rstrip("/")
    if urllib.parse.urlsplit(base).hostname != shop:
        # One server answering for several shops (the demo store) is told which one is meant.
        query += "&" + urllib.parse.urlencode({"shop": shop})
    return InstallStart(f"{base}/admin/oauth/authorize?{query}", state)


def _check_state(config: Config, params: dict[str, str], cookie: str | None, now: datetime) -> str:
    """The state's fingerprint, once it is ours, this browser's, this shop's and unexpired."""
    state = params.get("state", "")
    if not state or not cookie or not hmac.compare_digest(state.encode(), cookie.encode()):
        raise InstallRefused(NO_STATE)
    try:
        claims = read_token(state, config.token_secret, STATE_PURPOSE, now=now.timestamp())
    except TokenError:
        raise InstallRefused(NO_STATE) from None
    if claims.subject != params["shop"]:
        raise InstallRefused(NO_STATE)
    return token_fingerprint(claims.token_id)


def _read_shop(config: Config, shop: str, grant: TokenGrant) -> dict[str, Any]:
    """The shop's facts, read with the token just granted (nothing is stored before)."""
    client = ShopifyClient(
        grant.api_url,
        config.shopify_api_version,
        access_token=grant.access_token,
        shop_domain=shop,
        max_attempts=2,
    )
    try:
        with client:
            facts = client.query(SHOP_QUERY).get("shop")
    except StoreError:
        raise InstallRefused(SHOP_UNREADABLE, status=502) from None
    return facts if isinstance(facts, dict) else {}


def _timezone(value: Any, fallback: str) -> str:
    if isinstance(value, str) and value:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return fallback
        return value
    return fallback


def _fill_store(session: Session, config: Config, shop: str, facts: dict[str, Any]) -> Store:
    """The shop's `stores` row (made if new) with the name, zone and country read, and the
    contact address unless the store already has one (staff may have changed it on Settings)."""
    store = store_for(session, shop, config)
    name = facts.get("name")
    if isinstance(name, str) and name.strip():
        store.name = name.strip()[:200]
    email = facts.get("contactEmail")
    if isinstance(email, str) and email.strip() and not store.contact_email:
        store.contact_email = email.strip()[:320]  # a reinstall keeps the address set on Settings
    store.timezone = _timezone(facts.get("ianaTimezone"), store.timezone)
    country = (facts.get("shopAddress") or {}).get("countryCodeV2")
    if isinstance(country, str) and len(country) == 2:
        store.country = country.upper()
    return store


def complete_install(
    db: Database,
    config: Config,
    query_string: str,
    state_cookie: str | None,
    now: datetime | None = None,
) -> str:
    """Check the callback, exchange its code and store the connection; return the shop.

    One write transaction spends the state, fills the store, saves the connection, queues the
    first store sync and audits the install; a replay racing the original fails on the state.
    """
    now = now or utcnow()
    params = _verified(config, query_string, now)
    shop = params["shop"]
    fingerprint = _check_state(config, params, state_cookie, now)
    with db.read() as session:
        if session.get(UsedToken, fingerprint) is not None:
            raise InstallRefused(USED_STATE)
    if not params.get("code"):
        raise InstallRefused(CODE_REFUSED)
    try:
        grant = exchange_code(config, shop, params["code"])
    except StoreUnavailable:
        raise InstallRefused(UNREACHABLE, status=502) from None
    except StoreError:
        raise InstallRefused(CODE_REFUSED) from None
    facts = _read_shop(config, shop, grant)
    try:
        with db.write() as session:
            session.add(UsedToken(fingerprint=fingerprint, purpose=STATE_PURPOSE, used_at=now))
            session.flush()
            store = _fill_store(session, config, shop, facts)
            save_connection(session, store, ConnectionMode.OAUTH, grant, config=config)
            enqueue(
                session,
                SYNC_KIND,
                dedupe_key=f"install:{shop}",
                payload={"shop": shop},
                created_by=SHOPIFY_ACTOR,
            )
            append_event(
                session,
                actor=SHOPIFY_ACTOR,
                kind=EventKind.STORE,
                reason="app installed by the merchant",
                details={"shop": shop, "action": "installed", "scopes": grant.scopes},
                at=now,
            )
    except IntegrityError:
        raise InstallRefused(USED_STATE) from None
    return shop
