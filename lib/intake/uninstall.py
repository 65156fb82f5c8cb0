"""`app/uninstalled`: the merchant removed the app, so its tokens are of no use and must go.

Called by the webhook handler (`lib.intake.compliance`) after the delivery's HMAC is checked and
its receipt stored, in the receipt's transaction: a replayed delivery does nothing. The store and
its requests stay (the legal record; `shop/redact` erases the shop's data later); its jobs wait
because the worker holds jobs of a store that is not connected.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib.core.audit import SHOPIFY_ACTOR, append_event
from lib.core.enums import EventKind
from lib.core.models import Store
from lib.store.connection import disconnect

UNINSTALLED_TOPIC = "app/uninstalled"
REASON = "the app was uninstalled from the shop's Shopify admin"


def on_uninstalled(session: Session, shop: str, now: datetime) -> str:
    """Disconnect `shop` (tokens deleted) and audit it; the outcome recorded on the receipt."""
    store = session.scalars(select(Store).where(Store.shop_domain == shop)).first()
    if store is None:
        return "unknown_shop"
    disconnect(session, store, REASON)
    append_event(
        session,
        actor=SHOPIFY_ACTOR,
        kind=EventKind.STORE,
        reason=REASON,
        details={"shop": shop, "action": "uninstalled"},
        at=now,
    )
    return "uninstalled"
