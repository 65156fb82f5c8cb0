"""What Settings shows of the Shopify side: the pinned API version, each store, and the scopes.

Logic only (no Streamlit): pages/settings.py renders these values. The scope report compares
what the shop granted with `lib.store.scopes.NEEDED` and says, per missing scope, what the
merchant loses; the version notice is `lib.store.versions.version_warning` for today.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from lib.core.config import Config, get_config
from lib.core.db import Database
from lib.core.enums import ConnectionMode, ConnectionState
from lib.core.models import Store, StoreConnection, utcnow
from lib.store.scopes import NEEDED, check_scopes
from lib.store.versions import version_warning

PROTECTED_DATA = (
    "Shopify protects customer data: a public app (one distributed to other merchants) sees it "
    "only after Shopify approves its protected customer data access. Level 1 covers customer "
    "data without names, emails, phones and addresses; Level 2 adds those fields, which every "
    "access request needs. Request both in the Partner Dashboard (App setup → Protected "
    "customer data access) before the review; until then Shopify redacts them outside "
    "development stores. Custom apps always have Level 1."
)


@dataclass(frozen=True, slots=True)
class VersionStatus:
    """The pinned Admin API version and, when it is outside Shopify's window, why."""

    pinned: str
    warning: str | None


def version_status(config: Config | None = None, day: date | None = None) -> VersionStatus:
    """SHOPIFY_API_VERSION checked against Shopify's support window on `day` (default: today)."""
    pinned = (config or get_config()).shopify_api_version
    return VersionStatus(pinned, version_warning(pinned, day or utcnow().date()))


@dataclass(frozen=True, slots=True)
class ScopeLine:
    """One needed scope: granted or not, and what is lost without it."""

    handle: str
    granted: bool
    without: str


@dataclass(frozen=True, slots=True)
class ScopeReport:
    """*Test connection*'s answer: the store that answered and needed versus granted scopes."""

    store: str
    lines: tuple[ScopeLine, ...]
    extra: tuple[str, ...]

    @property
    def missing(self) -> tuple[ScopeLine, ...]:
        """The needed scopes the shop did not grant."""
        return tuple(line for line in self.lines if not line.granted)

    @property
    def summary(self) -> str:
        """One sentence: connected, and how many needed scopes are missing."""
        if not self.missing:
            return f"Connected to {self.store}: all {len(self.lines)} needed scopes are granted."
        return (
            f"Connected to {self.store}, but {len(self.missing)} of the {len(self.lines)} needed "
            "scopes are missing: grant them by updating the app's scopes and approving the "
            "update in the Shopify admin."
        )


def scope_report(store: str, granted: list[str]) -> ScopeReport:
    """Needed versus granted scopes of the shop `store`, in the order of NEEDED."""
    check = check_scopes(granted)
    absent = {scope.handle for scope in check.missing}
    lines = tuple(ScopeLine(s.handle, s.handle not in absent, s.without) for s in NEEDED)
    return ScopeReport(store, lines, check.extra)


MODE_LABELS = {
    ConnectionMode.OAUTH: "Installed from Shopify (authorization code, expiring offline token)",
    ConnectionMode.CLIENT_CREDENTIALS: "The merchant's own app (client credentials, daily token)",
    ConnectionMode.STATIC: "Access token of a custom app made before 2026",
}
STATE_LABELS = {
    ConnectionState.CONNECTED: "Connected",
    ConnectionState.NEEDS_RECONNECT: "Needs reconnecting",
    ConnectionState.UNINSTALLED: "Uninstalled",
}
NO_CONNECTION = (
    "No connection stored yet: the store uses SHOPIFY_SHOP and SHOPIFY_ACCESS_TOKEN, or the "
    "demo store when no real shop is configured."
)


@dataclass(frozen=True, slots=True)
class StoreView:
    """A store as the Settings page lists it: its connection and where its merchant mails go."""

    id: int
    name: str
    shop_domain: str
    contact_email: str | None
    mode: str | None = None
    state: str | None = None
    access_expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    last_error: str | None = None

    @property
    def label(self) -> str:
        """`Name (shop.myshopify.com)` for pickers and headings."""
        return f"{self.name} ({self.shop_domain})"

    @property
    def needs_reconnect(self) -> bool:
        """True when its token cannot be used until the merchant installs the app again."""
        return self.state in (ConnectionState.NEEDS_RECONNECT, ConnectionState.UNINSTALLED)

    def reconnect_reason(self) -> str:
        """Why the store must be connected again, for the warning beside the reconnect link."""
        if self.state == ConnectionState.UNINSTALLED:
            return (
                "The app was uninstalled from this shop; its tokens are deleted and its jobs wait."
            )
        return (
            f"Shopify refused to renew this shop's token ({self.last_error or 'no reason given'}); "
            "its jobs wait until it is connected again."
        )

    def connection(self) -> str:
        """How the store is connected and in which state, in words."""
        if self.mode is None or self.state is None:
            return NO_CONNECTION
        state = STATE_LABELS[ConnectionState(self.state)]
        return f"{state} — {MODE_LABELS[ConnectionMode(self.mode)]}"

    def token_expiry(self, now: datetime | None = None) -> str | None:
        """When the access token (and an installed shop's refresh token) runs out, in words."""
        if self.mode is None or self.needs_reconnect:
            return None
        now = now or utcnow()
        if self.access_expires_at is None:
            return "The access token does not expire."
        left = (self.access_expires_at - now).total_seconds()
        if left > 0:
            text = f"The access token expires in {duration(left)}; it is renewed before then."
        else:
            text = f"The access token expired {duration(-left)} ago; the next call renews it."
        if self.refresh_expires_at is not None:
            rest = duration((self.refresh_expires_at - now).total_seconds())
            text += f" Its refresh token is good for another {rest}."
        return text


def duration(seconds: float) -> str:
    """A span for people: `less than a minute`, `1 minute`, `5 hours`, `89 days`."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        count = int(seconds // size)
        if count >= (2 if unit != "minute" else 1):
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "less than a minute"


def reconnect_url(shop_domain: str, config: Config | None = None) -> str:
    """The intake's install link that connects the shop again (`/auth/install?shop=…`)."""
    base = (config or get_config()).public_base_url.rstrip("/")
    return f"{base}/auth/install?{urllib.parse.urlencode({'shop': shop_domain})}"


_STORES = (
    select(
        Store.id,
        Store.name,
        Store.shop_domain,
        Store.contact_email,
        StoreConnection.mode,
        StoreConnection.state,
        StoreConnection.access_expires_at,
        StoreConnection.refresh_expires_at,
        StoreConnection.last_error,
    )
    .outerjoin(StoreConnection, StoreConnection.store_id == Store.id)
    .order_by(Store.name, Store.id)
)


def store_views(db: Database) -> list[StoreView]:
    """Every store with its connection (if one is stored), by name."""
    with db.read() as session:
        return [StoreView(*row) for row in session.execute(_STORES)]


def mail_recipient(view: StoreView, fallback: str) -> str:
    """The sentence saying where this store's merchant notifications go."""
    if view.contact_email:
        return f"Merchant notifications go to {view.contact_email}."
    return f"This store has no contact address: merchant notifications go to {fallback}."
