"""Per-store connections: which token a store's client sends, and renewing it before it expires.

Each `stores` row has one `store_connections` row (`lib.core.models.StoreConnection`): an
installed shop (`oauth`: expiring offline token plus a single-use refresh token), an app of the
merchant's own organisation (`client_credentials`: ~24 h tokens fetched again) or a custom app's
token made before 2026 (`static`). A store without a row falls back to the legacy environment:
`SHOPIFY_SHOP` + `SHOPIFY_ACCESS_TOKEN`, or, with no real shop configured, the demo store's
static `DEMO_STORE_TOKEN`.

`ConnectionAuth` sets `X-Shopify-Access-Token` on every request, renews the token when less than
a minute or a tenth of its lifetime remains, and on a 401 renews once and sends the request
again. A renewal runs in a write transaction that locks the connection row (PostgreSQL
`FOR UPDATE`, SQLite `BEGIN IMMEDIATE`), so two workers never both spend one refresh token: the
second finds the token the first stored and takes it. A refused renewal marks the connection
`needs_reconnect` with the reason and changes nothing else; the client then raises
`StoreNeedsReconnect`, and the worker puts the job back to wait.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from lib.core.config import Config, get_config
from lib.core.crypto import decrypt_token, encrypt_token
from lib.core.db import Database
from lib.core.enums import ConnectionMode, ConnectionState
from lib.core.models import Store, StoreConnection, utcnow
from lib.store.client import StoreAuthError, StoreError
from lib.store.grants import (
    GrantRefused,
    TokenGrant,
    authorization_code_grant,
    client_credentials_grant,
    refresh_token_grant,
)

TOKEN_HEADER = "X-Shopify-Access-Token"  # noqa: S105 - a header name
RENEW_MARGIN_SECONDS = 60.0
RENEW_FRACTION = 0.1
"""Renew when less than min(a minute, a tenth of the token's lifetime) remains."""
SHOP_DOMAIN = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com")


class StoreNeedsReconnect(StoreAuthError):
    """The store's token cannot be renewed (or the app was uninstalled): the merchant must act.

    Jobs that meet it wait (the worker puts them back without spending an attempt).
    """

    def __init__(self, shop_domain: str, reason: str) -> None:
        super().__init__(f"{shop_domain} must be reconnected: {reason}")
        self.shop_domain = shop_domain
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Credentials:
    """The token a store's client sends now, read from its connection (token kept out of repr)."""

    store_id: int | None
    shop_domain: str
    mode: ConnectionMode
    api_url: str
    access_token: str = field(repr=False)
    expires_at: datetime | None
    refreshed_at: datetime

    @property
    def renewable(self) -> bool:
        """Static tokens cannot be renewed, nor a legacy one that has no connection row."""
        return self.mode is not ConnectionMode.STATIC and self.store_id is not None

    def renew_due(self, now: datetime) -> bool:
        """True when the token expires within min(a minute, a tenth of its lifetime)."""
        if self.expires_at is None or not self.renewable:
            return False
        lifetime = (self.expires_at - self.refreshed_at).total_seconds()
        margin = min(RENEW_MARGIN_SECONDS, RENEW_FRACTION * max(lifetime, 0.0))
        return (self.expires_at - now).total_seconds() < margin


def shop_base_url(config: Config, shop_domain: str) -> str:
    """Where a shop's Admin API and token endpoint answer (stored on its connection row):
    SHOPIFY_ADMIN_URL with the shop in it (`https://{shop}`), else the demo store while no real
    shop is configured (SHOPIFY_SHOP empty), else `https://{shop}`."""
    if config.shopify_admin_url:
        return config.shopify_admin_url.replace("{shop}", shop_domain).rstrip("/")
    if config.demo_mode:
        return config.demo_store_url.rstrip("/")
    return shop_domain if shop_domain.startswith("http") else f"https://{shop_domain}"


def require_shop_domain(shop_domain: str) -> str:
    """`shop_domain` if it is a shop's own `name.myshopify.com` (the client secret is sent
    there), else StoreError with one sentence."""
    if not SHOP_DOMAIN.fullmatch(shop_domain):
        raise StoreError(f"{shop_domain!r} is not a Shopify shop domain (name.myshopify.com)")
    return shop_domain


def exchange_code(config: Config, shop_domain: str, code: str) -> TokenGrant:
    """Exchange an install's authorization code for the shop's expiring offline token.

    Raises:
        GrantRefused: the shop refused the code (spent, expired, or the wrong app).
        StoreUnavailable: the shop's token endpoint did not answer.
        StoreError: `shop_domain` is not a shop's `name.myshopify.com`; nothing was sent.
    """
    shop = require_shop_domain(shop_domain)
    return authorization_code_grant(config, shop_base_url(config, shop), shop, code)


def save_connection(
    session: Session,
    store: Store,
    mode: ConnectionMode | str,
    grant: TokenGrant,
    *,
    config: Config | None = None,
) -> StoreConnection:
    """Make `grant` the store's connection (created or replaced) in the caller's transaction:
    state `connected`, tokens encrypted, expiry instants from the grant."""
    row = session.scalars(
        select(StoreConnection).where(StoreConnection.store_id == store.id).with_for_update()
    ).first()
    if row is None:
        row = StoreConnection(store_id=store.id)
        session.add(row)
    row.mode = ConnectionMode(mode)
    row.api_url = grant.api_url
    row.refresh_token = row.refresh_expires_at = None
    row.connected_at = utcnow()
    _apply(config or get_config(), row, grant)
    session.flush()
    return row


def connect_client_credentials(db: Database, config: Config, shop_domain: str) -> StoreConnection:
    """Connect a shop with the app's client id and secret (the client-credentials grant).

    Adds the `stores` row when the shop is new (its name is the domain until the shop is read).

    Raises:
        GrantRefused: the shop refused the client id or secret; nothing was written.
        StoreUnavailable: the shop's token endpoint did not answer; nothing was written.
        StoreError: `shop_domain` is not a shop's `name.myshopify.com`; nothing was sent.
    """
    require_shop_domain(shop_domain)
    grant = client_credentials_grant(config, shop_base_url(config, shop_domain), shop_domain)
    with db.write() as session:
        store = session.scalars(select(Store).where(Store.shop_domain == shop_domain)).first()
        if store is None:
            store = Store(shop_domain=shop_domain, name=shop_domain)
            session.add(store)
            session.flush()
        return save_connection(
            session, store, ConnectionMode.CLIENT_CREDENTIALS, grant, config=config
        )


def disconnect(session: Session, store: Store, reason: str) -> StoreConnection:
    """The app is gone from the store (app/uninstalled, or staff disconnected it): tokens deleted,
    state `uninstalled` with `reason`; its jobs wait until it is connected again."""
    row = session.scalars(
        select(StoreConnection).where(StoreConnection.store_id == store.id).with_for_update()
    ).first()
    if row is None:
        row = StoreConnection(store_id=store.id, api_url=f"https://{store.shop_domain}")
        session.add(row)
    row.access_token = row.refresh_token = None
    row.access_expires_at = row.refresh_expires_at = None
    row.state = ConnectionState.UNINSTALLED
    row.last_error = reason[:500]
    session.flush()
    return row


_STORE_AND_CONNECTION = (
    select(Store, StoreConnection)
    .outerjoin(StoreConnection, StoreConnection.store_id == Store.id)
    .where(Store.shop_domain == bindparam("shop"))
)


def load_credentials(db: Database, config: Config, shop_domain: str) -> Credentials:
    """The credentials a client of `shop_domain` uses now.

    Raises:
        StoreNeedsReconnect: the connection needs reconnecting or the app was uninstalled.
        StoreError: the shop has no connection and the environment names no token for it.
    """
    with db.read() as session:
        found = session.execute(_STORE_AND_CONNECTION, {"shop": shop_domain}).first()
    if found is not None and found.StoreConnection is not None:
        return _credentials(config, found.Store, found.StoreConnection)
    return _legacy(config, shop_domain)


def _legacy(config: Config, shop_domain: str) -> Credentials:
    """The environment's static token for a shop without a connection row (kept out of the
    database: the environment stays the one place it is changed)."""
    if config.shopify_shop and shop_domain == config.shopify_shop and config.shopify_access_token:
        url, token = shop_base_url(config, shop_domain), config.shopify_access_token
    elif config.demo_mode:
        url, token = config.demo_store_url.rstrip("/"), config.demo_store_token
    else:
        raise StoreError(
            f"{shop_domain} is not connected: install the app on it or connect it with the "
            "app's client credentials"
        )
    return Credentials(None, shop_domain, ConnectionMode.STATIC, url, token, None, utcnow())


def _credentials(config: Config, store: Store, row: StoreConnection) -> Credentials:
    if row.state != ConnectionState.CONNECTED or not row.access_token:
        reason = row.last_error or "the app has no token for this store"
        raise StoreNeedsReconnect(store.shop_domain, reason)
    return Credentials(
        store.id,
        store.shop_domain,
        ConnectionMode(row.mode),
        row.api_url,
        decrypt_token(config, row.access_token),
        row.access_expires_at,
        row.refreshed_at,
    )


def _apply(config: Config, row: StoreConnection, grant: TokenGrant) -> None:
    row.access_token = encrypt_token(config, grant.access_token)
    if grant.refresh_token:
        row.refresh_token = encrypt_token(config, grant.refresh_token)
        row.refresh_expires_at = grant.refresh_expires_at
    elif row.mode != ConnectionMode.OAUTH:
        row.refresh_token = row.refresh_expires_at = None
    row.access_expires_at = grant.access_expires_at
    row.scopes = grant.scopes[:1000]
    row.state = ConnectionState.CONNECTED
    row.last_error = None
    row.refreshed_at = grant.received_at


def renew(db: Database, config: Config, store_id: int, seen_token: str) -> Credentials:
    """Renew a store's token, serialised on its connection row; returns the credentials to use.

    When another thread or process renewed it since we read `seen_token`, its token is taken
    as it is (a refresh token is single use). A refused renewal marks the connection
    `needs_reconnect` with the reason, changes nothing else and raises StoreNeedsReconnect.
    """
    with db.write() as session:
        row = session.scalars(
            select(StoreConnection).where(StoreConnection.store_id == store_id).with_for_update()
        ).first()
        store = session.get(Store, store_id)
        if row is None or store is None:
            raise StoreError(f"store {store_id} has no connection any more")
        current = _credentials(config, store, row)
        if current.access_token != seen_token and not current.renew_due(utcnow()):
            return current
        try:
            grant = _renewal(config, row, store.shop_domain)
        except GrantRefused as exc:
            row.state = ConnectionState.NEEDS_RECONNECT
            row.last_error = f"renewing the token failed: {exc}"[:500]
            failure = StoreNeedsReconnect(store.shop_domain, row.last_error)
        else:
            _apply(config, row, grant)
            return _credentials(config, store, row)
    raise failure


def mark_needs_reconnect(
    db: Database, credentials: Credentials, reason: str
) -> StoreNeedsReconnect:
    """Record that a store must be reconnected (tokens kept for the merchant's next install);
    returns the error to raise, so the store's jobs wait instead of failing."""
    assert credentials.store_id is not None  # renewable credentials have a row
    with db.write() as session:
        row = session.scalars(
            select(StoreConnection).where(StoreConnection.store_id == credentials.store_id)
        ).one()
        row.state = ConnectionState.NEEDS_RECONNECT
        row.last_error = reason[:500]
        shop = session.get_one(Store, credentials.store_id).shop_domain
    return StoreNeedsReconnect(shop, reason)


def _renewal(config: Config, row: StoreConnection, shop: str) -> TokenGrant:
    if row.mode == ConnectionMode.CLIENT_CREDENTIALS:
        return client_credentials_grant(config, row.api_url, shop)
    if not row.refresh_token:
        raise GrantRefused("the connection has no refresh token")
    if row.refresh_expires_at is not None and row.refresh_expires_at <= utcnow():
        raise GrantRefused("the refresh token expired; install the app on the shop again")
    refresh = decrypt_token(config, row.refresh_token)
    return refresh_token_grant(config, row.api_url, shop, refresh)


class ConnectionAuth(httpx.Auth):
    """Sends a store's token, renews it ahead of expiry and once after a 401 (thread-safe)."""

    def __init__(self, db: Database, config: Config, credentials: Credentials) -> None:
        self._db, self._config = db, config
        self._credentials = credentials
        self._lock = threading.Lock()

    @property
    def credentials(self) -> Credentials:
        """The credentials in use now."""
        return self._credentials

    def adopt(self, credentials: Credentials) -> None:
        """Take credentials read from the database: a newer token, or ours with its stored
        expiry (a token read before another thread renewed it is not taken back)."""
        with self._lock:
            ours = self._credentials
            if (
                credentials.access_token == ours.access_token
                or credentials.refreshed_at >= ours.refreshed_at
            ):
                self._credentials = credentials

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send with the current token; after a 401 renew once and send again."""
        sent = self._current()
        request.headers[TOKEN_HEADER] = sent.access_token
        response = yield request
        if response.status_code != 401 or not sent.renewable:
            return
        renewed = self._renewed(sent.access_token)
        request.headers[TOKEN_HEADER] = renewed.access_token
        response = yield request
        if response.status_code == 401:  # a token just issued is refused: the app lost access
            raise mark_needs_reconnect(
                self._db, renewed, "the store refused a token it had just issued (HTTP 401)"
            )

    def _current(self) -> Credentials:
        with self._lock:
            credentials = self._credentials
            if credentials.renew_due(utcnow()):
                credentials = self._renew_locked(credentials.access_token)
            return credentials

    def _renewed(self, refused_token: str) -> Credentials:
        with self._lock:
            credentials = self._credentials
            if credentials.access_token != refused_token and not credentials.renew_due(utcnow()):
                return credentials  # another thread renewed it meanwhile
            return self._renew_locked(refused_token)

    def _renew_locked(self, seen_token: str) -> Credentials:
        store_id = self._credentials.store_id
        assert store_id is not None  # renewable credentials have a row
        self._credentials = renew(self._db, self._config, store_id, seen_token)
        return self._credentials
