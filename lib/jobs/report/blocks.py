"""The blocks of Shopify data an access package names when it does not hold them, and why.

Art. 15 and issue 12 ask that nothing be silently absent: a block the shop's app may not read
names the missing access scope; a block Privacy Desk does not collect yet says so, so that the
person can ask the shop for it.
"""

from __future__ import annotations

from collections.abc import Iterable

from lib.core.i18n import N_
from lib.jobs.report.html import Missing
from lib.store.scopes import check_scopes

MISSING_SCOPE = N_("the shop's app lacks Shopify's %(scope)s access, so it could not read them.")
NOT_COLLECTED = N_("Privacy Desk does not collect them yet; ask the shop for them.")

NOT_COLLECTED_BLOCKS: tuple[tuple[str, str | None], ...] = (
    (N_("Draft orders"), "read_draft_orders"),
    (N_("Abandoned checkouts"), "read_orders"),
    (N_("Store credit"), "read_store_credit_accounts"),
    (N_("Gift cards"), "read_gift_cards"),
    (N_("Subscription contracts"), None),
    (N_("Metafields (extra fields kept by the shop's apps)"), "read_customers"),
    (N_("Payments, refunds, deliveries and returns of each order"), "read_orders"),
)
"""Each block with the scope Shopify needs to read it (None: one the app does not ask for)."""


def missing_blocks(scopes: Iterable[str]) -> tuple[Missing, ...]:
    """What the package does not hold, given the scopes the shop granted."""
    lacking = {s.handle for s in check_scopes(scopes).missing}
    return tuple(
        Missing(block, MISSING_SCOPE, scope) if scope in lacking else Missing(block, NOT_COLLECTED)
        for block, scope in NOT_COLLECTED_BLOCKS
    )
