"""The Customers page's search: the store picked in the sidebar, or every store at once.

With *All stores* the page used to search only the first store, so a name found there could be
a different person from another shop's request, and exported as if it were them. Here each
result names its store, the export reads from that store, and a store that did not answer is
said aloud instead of looking like "no match". Masked roles cannot search by a whole email or
phone (`masking.identity_search_refusal`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lib.dashboard import store_actions
from lib.dashboard.actions import ActionError
from lib.dashboard.masking import identity_search_refusal
from lib.dashboard.roles import Actor, PermissionDenied, Right, require


@dataclass(frozen=True, slots=True)
class StoreRef:
    """A store as the page lists it."""

    id: int
    shop: str
    name: str

    @property
    def label(self) -> str:
        """`Demo Shop (demo-shop.myshopify.com)`."""
        return f"{self.name} ({self.shop})" if self.name and self.name != self.shop else self.shop


@dataclass(frozen=True, slots=True)
class Found:
    """One customer and the store that holds them."""

    store: StoreRef
    customer: Any  # lib.store.StoreCustomer


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Every match, by store, and the stores that did not answer (with the reason)."""

    found: tuple[Found, ...]
    unanswered: tuple[str, ...]


def search(actor: Actor, text: str, stores: Sequence[StoreRef]) -> SearchResult:
    """Search `stores` (one, or all of them) for `text`; ActionError when none answered,
    PermissionDenied when a masked role searches by a whole identity."""
    require(actor, Right.CUSTOMERS)
    if not actor.can(Right.SEE_IDENTITIES) and (refusal := identity_search_refusal(text)):
        raise PermissionDenied(refusal)
    found: list[Found] = []
    unanswered: list[str] = []
    for store in stores:
        try:
            found.extend(
                Found(store, c) for c in store_actions.search_customers(actor, text, store.shop)
            )
        except ActionError as exc:
            unanswered.append(f"{store.label}: {exc}")
    if unanswered and len(unanswered) == len(stores):
        raise ActionError("; ".join(unanswered))
    return SearchResult(tuple(found), tuple(unanswered))
