"""The processing register on Settings, and the warning *Deliver to customer* shows while it is
unreviewed (a warning only: the legal deadline is never held up by it).

Logic only (no Streamlit): pages/settings.py and pages/exports.py render these values; the
register itself is `lib.core.register`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lib.core import register
from lib.core.db import Database
from lib.core.models import Export, Request, Store
from lib.dashboard.actions import ActionError
from lib.dashboard.roles import Actor, Right, require

SECTIONS = register.SECTIONS
RECIPIENT_FIELDS = register.RECIPIENT_FIELDS
UNREVIEWED = (
    "The processing register of {shop} has not been reviewed: the package tells the customer "
    "the shipped defaults (purposes, recipients, retention…), which may not match the shop. "
    "Review it on Settings → Processing register; you can still deliver now."
)


@dataclass(frozen=True, slots=True)
class RegisterView:
    """One store's register as Settings shows it."""

    store_id: int
    store_name: str
    register: register.Register

    def state(self) -> str:
        """Reviewed by whom and when, or why it is to review."""
        current = self.register
        if current.reviewed_at is not None:
            return f"Reviewed by {current.reviewed_by} on {current.reviewed_at:%d %b %Y}."
        if current.updated_at is None:
            return "Shipped defaults for a Shopify store — to review: they are generic."
        return f"Edited by {current.updated_by} on {current.updated_at:%d %b %Y} — to review."

    def recipient_rows(self) -> list[dict[str, str]]:
        """The recipients as table rows (name, purpose, country, safeguard)."""
        return list(self.register.content()["recipients"])


def register_views(db: Database) -> list[RegisterView]:
    """Every store's register, by store name."""
    with db.read() as session:
        stores = session.scalars(select(Store).order_by(Store.name)).all()
        return [RegisterView(s.id, s.name, register.load(session, s)) for s in stores]


def save_register(
    db: Database,
    actor: Actor,
    store_id: int,
    texts: Mapping[str, str],
    recipients: Sequence[Mapping[str, Any]],
    reviewed: bool,
) -> bool:
    """Save a store's register (validated, audited); False when nothing changed."""
    require(actor, Right.REGISTER)
    with db.write() as session:
        store = session.get(Store, store_id)
        if store is None:
            raise ActionError(f"store {store_id} does not exist")
        content = {**texts, "recipients": list(recipients)}
        return register.save(session, store, content, actor.email, reviewed=reviewed)


def delivery_warning(db: Database, export_id: int) -> str | None:
    """The sentence *Deliver to customer* shows while the package's store register is
    unreviewed, else None."""
    with db.read() as session:
        store = session.scalars(
            select(Store)
            .join(Request, Request.store_id == Store.id)
            .join(Export, Export.request_id == Request.id)
            .where(Export.id == export_id)
        ).first()
        if store is None or register.load(session, store).reviewed:
            return None
        return UNREVIEWED.format(shop=store.name)
