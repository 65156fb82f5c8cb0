"""The request page's erasure steps: what will be erased in Shopify and here, what is kept and
why, where Shopify's erasure stands, and the *Erase* / *Cancel in Shopify* buttons.

Work happens in button callbacks through `lib.dashboard.erasure_actions` (role-checked).
"""

from __future__ import annotations

import streamlit as st

from lib.core.db import Database
from lib.dashboard import erasure_actions, labels
from lib.dashboard.actions import ActionError
from lib.dashboard.roles import Actor, Right

KEY = "pd_erase_"
STATES = {
    "not asked": "Not asked yet",
    "asked": "Sent to Shopify",
    "queued": "Queued in Shopify",
    "done": "Erased in Shopify",
    "canceled": "Cancelled in Shopify",
}


def render(db: Database, actor: Actor, request_id: int, request_type: str, is_open: bool) -> None:
    """The erasure panel of an erasure request; nothing for other types."""
    if request_type != "erasure":
        return
    with st.container(border=True):
        st.subheader("Erasure")
        plan = erasure_actions.plan(db, actor, request_id)
        when = f", expected on {labels.day(plan.expected_on)}" if plan.expected_on else ""
        st.markdown(f"**Shopify:** {STATES.get(plan.state, plan.state)}{when}")
        if plan.held_by_orders:
            st.info(
                "The customer ordered in the last six months: Shopify holds the erasure until "
                "six months after that order, and the customer is told the date.",
                icon=":material/schedule:",
            )
        if plan.refused:
            st.error(f"Shopify refused the erasure: {plan.refused}", icon=":material/error:")
        if plan.store_problem:
            st.warning(plan.store_problem, icon=":material/warning:")
        st.markdown(
            "**Erased in Shopify:** the customer's name, email, phone, addresses, notes and "
            "tags, and their identity on orders.  \n"
            f"**Erased in Privacy Desk:** identity and texts of {plan.requests} request(s), "
            f"{plan.mails} mail(s), {plan.packages} export package(s), the synced customer."
        )
        st.markdown("**Kept, and why:**\n" + "\n".join(f"- {k}" for k in erasure_actions.KEPT))
        _buttons(db, actor, request_id, plan, is_open)


def _buttons(
    db: Database, actor: Actor, request_id: int, plan: erasure_actions.ErasurePlan, is_open: bool
) -> None:
    allowed = actor.can(Right.CLOSE)
    if plan.open_others:
        st.warning(
            f"{', '.join(plan.open_others)} of the same person is still open: wait for it, or "
            "tick below to cancel it with the erasure.",
            icon=":material/block:",
        )
    cancel_open = bool(plan.open_others) and st.checkbox(
        "Cancel the other open requests", key=f"{KEY}cancel_open"
    )
    can_erase = allowed and is_open and plan.state in ("not asked", "canceled")
    blocked = bool(plan.open_others) and not cancel_open
    why = (
        "Your role cannot do this"
        if not allowed
        else "Already sent to Shopify"
        if not can_erase
        else "Another open request blocks it"
        if blocked
        else "Ask Shopify to erase the customer"
    )
    left, right = st.columns(2)
    left.button(
        "Erase",
        key=f"{KEY}erase",
        type="primary",
        disabled=not can_erase or blocked,
        help=why,
        on_click=_run,
        args=(lambda: erasure_actions.erase(db, actor, request_id, cancel_open=cancel_open),),
    )
    right.button(
        "Cancel in Shopify",
        key=f"{KEY}cancel",
        disabled=not (allowed and plan.state == "queued"),
        help="Only while Shopify still has the erasure queued",
        on_click=_run,
        args=(lambda: erasure_actions.cancel_in_shopify(db, actor, request_id),),
    )
    if message := st.session_state.pop(f"{KEY}message", None):
        st.error(message, icon=":material/error:")


def _run(action: object) -> None:
    try:
        action()  # type: ignore[operator]
    except (ActionError, ValueError) as exc:
        st.session_state[f"{KEY}message"] = str(exc)
