"""Settings: which request types each store's storefront page offers (lib.core.request_types).

A multiselect per store and a role-checked save; the page shows only the types Privacy Desk can
carry out, by their staff names.
"""

from __future__ import annotations

import streamlit as st

from lib.core import request_types
from lib.core.db import Database
from lib.core.models import Store
from lib.dashboard import ui
from lib.dashboard.roles import Actor, Right, require

CHOICES = [request_types.LABELS[t] for t in request_types.ORDER if t in request_types.AVAILABLE]
_BY_LABEL = {label: str(kind) for kind, label in request_types.LABELS.items()}


def offered(db: Database, store_id: int) -> list[str]:
    """The staff names of what the store offers now."""
    with db.read() as session:
        stored = session.get_one(Store, store_id).request_types
    return [request_types.LABELS[t] for t in request_types.offered(stored)]


def save(db: Database, actor: Actor, store_id: int, chosen: list[str]) -> bool:
    """Switch the store's storefront types (audited); False when nothing changed."""
    require(actor, Right.SETTINGS)
    with db.write() as session:
        store = session.get_one(Store, store_id)
        types = [_BY_LABEL.get(label, label) for label in chosen]
        return request_types.set_offered(session, store, types, actor=actor.email) is not None


def render(db: Database, actor: Actor, store_id: int) -> None:
    """The store's *Requests on the storefront* choice with its Save button."""
    key = f"pd_set_types_{store_id}"
    st.session_state.setdefault(key, offered(db, store_id))
    st.multiselect(
        "Requests on the storefront",
        CHOICES,
        key=key,
        help="What customers can ask for on this store's Customer Data Requests page.",
        disabled=not actor.can(Right.SETTINGS),
    )
    st.button(
        "Save requests offered",
        key=f"pd_set_types_save_{store_id}",
        disabled=not actor.can(Right.SETTINGS),
        on_click=lambda: ui.run_action(
            "The storefront page offers the chosen requests",
            save,
            db,
            actor,
            store_id,
            st.session_state[key],
        ),
    )
