"""The blocks of Shopify data an access package names when it does not hold them, and why.

Art. 15 and issue 12 ask that nothing be silently absent: a block the shop's app may not read
names the missing access scope; a block Privacy Desk does not collect yet says so, so that the
person can ask the shop for it.
"""

from __future__ import annotations

from collections.abc import Iterable

from lib.core.i18n import N_
from lib.jobs.report.html import Missing
from lib.store.customer_data import SCOPES
from lib.store.scopes import check_scopes

MISSING_SCOPE = N_("the shop's app lacks Shopify's %(scope)s access, so it could not read them.")
NOT_COLLECTED = N_("Privacy Desk does not collect them yet; ask the shop for them.")
NOT_GIVEN = N_("the shop did not give them when asked; ask the shop for them.")

COLLECTED_BLOCKS: dict[str, str] = {
    "draft_orders.csv": N_("Draft orders"),
    "store_credit.csv": N_("Store credit"),
    "metafields.csv": N_("Metafields (extra fields kept by the shop's apps)"),
    "gift_cards.csv": N_("Gift cards"),
    "abandoned_checkouts.csv": N_("Abandoned checkouts"),
    "subscription_contracts.csv": N_("Subscription contracts"),
    "store_credit_history.csv": N_("The history of your store credit"),
}
"""The blocks Privacy Desk reads when the shop granted their scope (`customer_data.SCOPES`).
Subscription contracts need `read_own_subscription_contracts`, which Privacy Desk does not ask
for (it shows only the app's own contracts), so they are usually named as missing."""
NOT_COLLECTED_BLOCKS: tuple[tuple[str, str | None], ...] = (
    (N_("Refunded items and returned items of each order, one by one"), "read_orders"),
    (N_("Metafields of each order"), "read_orders"),
)
"""Blocks not read yet, with the scope Shopify needs."""


def _lacking(scopes: Iterable[str]) -> set[str]:
    """The blocks' scopes the shop did not grant (a write scope grants its read scope)."""
    have = set(check_scopes(scopes).granted)
    wanted = {*SCOPES.values(), *(s for _, s in NOT_COLLECTED_BLOCKS if s)}
    return {s for s in wanted if s not in have and "write_" + s.removeprefix("read_") not in have}


def collectable(scopes: Iterable[str]) -> tuple[str, ...]:
    """The collected blocks' files whose scope the shop granted."""
    lacking = _lacking(scopes)
    return tuple(f for f in COLLECTED_BLOCKS if SCOPES[f] not in lacking)


def missing_blocks(scopes: Iterable[str], unread: Iterable[str] = ()) -> tuple[Missing, ...]:
    """What the package does not hold, given the scopes the shop granted and the blocks whose
    reading the shop refused (`unread`, their files)."""
    lacking, refused = _lacking(scopes), set(unread)
    denied = tuple(
        Missing(label, MISSING_SCOPE, SCOPES[file])
        if SCOPES[file] in lacking
        else Missing(label, NOT_GIVEN)
        for file, label in COLLECTED_BLOCKS.items()
        if SCOPES[file] in lacking or file in refused
    )
    return denied + tuple(
        Missing(block, MISSING_SCOPE, scope) if scope in lacking else Missing(block, NOT_COLLECTED)
        for block, scope in NOT_COLLECTED_BLOCKS
    )
