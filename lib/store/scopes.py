"""The Admin API access scopes Privacy Desk asks for, and what goes dark without each one.

`shopify.app.toml` requests exactly `NEEDED` (a test keeps them equal). Settings' *Test
connection* compares them with what the shop granted (`currentAppInstallation { accessScopes }`)
and names, per missing scope, what the merchant loses. Scope names are checked against the
`requiredAccess` notes of Shopify's 2026-10 schema (docs/SHOPIFY.md, *Scopes*).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    """One access scope: its handle and the sentence of what a shop without it cannot do."""

    handle: str
    without: str


NEEDED: tuple[Scope, ...] = (
    Scope(
        "read_customers",
        "Customer search, logged-in storefront requests and every export stop working.",
    ),
    Scope("read_orders", "Exports leave out the customer's orders and abandoned checkouts."),
    Scope(
        "read_all_orders",
        "Exports contain only the last 60 days of orders (Shopify must approve this scope).",
    ),
    Scope(
        "write_app_proxy",
        "The storefront's Customer Data Requests page cannot be served under /apps/privacy.",
    ),
    Scope(
        "write_customers",
        "Corrections and marketing-consent withdrawals cannot be applied in Shopify.",
    ),
    Scope(
        "write_customer_data_erasure",
        "Erasure requests cannot be passed on to Shopify; erase the customer in the admin.",
    ),
    Scope(
        "write_privacy_settings",
        "Opt-outs of sale or sharing cannot be recorded on the Shopify customer.",
    ),
    Scope("read_draft_orders", "Exports leave out the customer's draft orders."),
    Scope(
        "read_gift_cards",
        "Exports leave out gift cards issued to the customer (Shopify Support grants it).",
    ),
    Scope("read_store_credit_accounts", "Exports leave out the customer's store credit balances."),
    Scope(
        "read_store_credit_account_transactions",
        "Exports leave out the history of the customer's store credit.",
    ),
)
BY_HANDLE = {scope.handle: scope for scope in NEEDED}


def scopes_setting() -> str:
    """The needed scopes as Shopify's comma-separated list (SHOPIFY_SCOPES, the toml)."""
    return ",".join(scope.handle for scope in NEEDED)


def _satisfied(handle: str, granted: frozenset[str]) -> bool:
    """Granted directly, or a read scope covered by its write scope (write implies read)."""
    if handle in granted:
        return True
    return handle.startswith("read_") and "write_" + handle.removeprefix("read_") in granted


@dataclass(frozen=True, slots=True)
class ScopeCheck:
    """Needed versus granted: what is missing (with its consequence) and what is extra."""

    granted: tuple[str, ...]
    missing: tuple[Scope, ...]
    extra: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """True when every needed scope is granted."""
        return not self.missing


def check_scopes(granted: Iterable[str]) -> ScopeCheck:
    """Compare a shop's granted scope handles with `NEEDED`."""
    have = frozenset(h.strip() for h in granted if h.strip())
    missing = tuple(s for s in NEEDED if not _satisfied(s.handle, have))
    extra = tuple(sorted(have - BY_HANDLE.keys()))
    return ScopeCheck(tuple(sorted(have)), missing, extra)
