"""What Settings shows of the Shopify side: the pinned API version, each store, and the scopes.

Logic only (no Streamlit): pages/settings.py renders these values. The scope report compares
what the shop granted with `lib.store.scopes.NEEDED` and says, per missing scope, what the
merchant loses; the version notice is `lib.store.versions.version_warning` for today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from lib.core.config import Config, get_config
from lib.core.db import Database
from lib.core.models import Store, utcnow
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


@dataclass(frozen=True, slots=True)
class StoreView:
    """A store as the Settings page lists it, with where its merchant mails go."""

    id: int
    name: str
    shop_domain: str
    contact_email: str | None

    @property
    def label(self) -> str:
        """`Name (shop.myshopify.com)` for pickers and headings."""
        return f"{self.name} ({self.shop_domain})"


def store_views(db: Database) -> list[StoreView]:
    """Every store, by name."""
    with db.read() as session:
        rows = session.execute(
            select(Store.id, Store.name, Store.shop_domain, Store.contact_email).order_by(
                Store.name, Store.id
            )
        ).all()
    return [StoreView(*row) for row in rows]


def mail_recipient(view: StoreView, fallback: str) -> str:
    """The sentence saying where this store's merchant notifications go."""
    if view.contact_email:
        return f"Merchant notifications go to {view.contact_email}."
    return f"This store has no contact address: merchant notifications go to {fallback}."
