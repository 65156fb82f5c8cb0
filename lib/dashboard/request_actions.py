"""The action bar of one request: buttons for what the role allows in the request's state, and
confirmation dialogs for the ones that cannot be undone (extend, reject, close).

Work happens in button callbacks (`ui.run_action`), which call `lib.dashboard.actions`; those
check the role again, so a hidden button is a convenience, not the protection.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib.core.db import get_database
from lib.core.enums import RejectionCode, Status
from lib.dashboard import actions, labels, store_actions, ui
from lib.dashboard.roles import Actor, Right

REQUEST_RIGHTS: tuple[Right, ...] = (
    Right.RESEND_VERIFICATION,
    Right.VERIFY,
    Right.EXPORT,
    Right.EXTEND,
    Right.REJECT,
    Right.NOTE,
    Right.CLOSE,
)
EXPORTABLE = frozenset({Status.VERIFIED, Status.READY_FOR_REVIEW})


def _with_text(key: str, success: str, action: Any, actor: Actor, request_id: int) -> None:
    ui.run_action(success, action, get_database(), actor, request_id, st.session_state.get(key, ""))


def _reject(actor: Actor, request_id: int) -> None:
    code = st.session_state.get("pd_dlg_reject_code", RejectionCode.OTHER.value)
    text = st.session_state.get("pd_dlg_reject_text", "")
    ui.run_action("Request rejected", actions.reject, get_database(), actor, request_id, code, text)


@st.dialog("Extend the deadline")
def _extend_dialog(actor: Actor, request_id: int) -> None:
    st.write(
        "An extension is allowed once, before the first deadline, and the customer must get the "
        "reason before that deadline passes."
    )
    st.text_area("Reason (sent to the customer)", key="pd_dlg_extend_reason")
    args = ("pd_dlg_extend_reason", "Deadline extended", actions.extend, actor, request_id)
    if st.button(
        "Extend deadline", type="primary", key="pd_dlg_extend_ok", on_click=_with_text, args=args
    ):
        st.rerun()


@st.dialog("Reject the request")
def _reject_dialog(actor: Actor, request_id: int) -> None:
    st.write("Rejecting closes the request. The reason is kept in the audit trail.")
    st.selectbox(
        "Reason",
        [c.value for c in RejectionCode],
        format_func=labels.words,
        key="pd_dlg_reject_code",
    )
    st.text_area("Explanation (required for 'other')", key="pd_dlg_reject_text")
    if st.button(
        "Reject request",
        type="primary",
        key="pd_dlg_reject_ok",
        on_click=_reject,
        args=(actor, request_id),
    ):
        st.rerun()


@st.dialog("Close the request")
def _close_dialog(actor: Actor, request_id: int) -> None:
    st.write("Closing marks the request completed; it cannot be reopened.")
    st.text_input("Note (optional)", key="pd_dlg_close_reason")
    args = ("pd_dlg_close_reason", "Request closed", actions.close, actor, request_id)
    if st.button(
        "Close request", type="primary", key="pd_dlg_close_ok", on_click=_with_text, args=args
    ):
        st.rerun()


def render(
    actor: Actor, request_id: int, status: Status, can_extend: bool, is_open: bool, store: str
) -> None:
    """Draw the buttons the actor may use on a request in `status` (`store`: the store's name,
    which the export reads from and says so)."""
    db = get_database()
    with st.container(horizontal=True):
        if actor.can(Right.RESEND_VERIFICATION) and status is Status.PENDING_VERIFICATION:
            st.button(
                "Resend verification",
                key="pd_act_resend",
                on_click=ui.run_action,
                args=(
                    "Verification link sent again",
                    actions.resend_verification,
                    db,
                    actor,
                    request_id,
                ),
            )
        if actor.can(Right.EXPORT) and status in EXPORTABLE:
            st.button(
                "Start export",
                key="pd_act_export",
                type="primary",
                help=f"Collects the customer's data from {store}.",
                on_click=ui.run_action,
                args=(
                    f"Export queued: reading from {store}",
                    store_actions.start_export,
                    db,
                    actor,
                    request_id,
                ),
            )
        if actor.can(Right.VERIFY) and status in actions.VERIFIABLE:
            with st.popover("Verify manually"):
                st.text_input("How was the identity checked?", key="pd_act_verify_reason")
                st.button(
                    "Mark verified",
                    key="pd_act_verify",
                    on_click=_with_text,
                    args=(
                        "pd_act_verify_reason",
                        "Marked verified",
                        actions.verify_manually,
                        actor,
                        request_id,
                    ),
                )
        if actor.can(Right.NOTE):
            with st.popover("Add note"):
                st.text_area("Note", key="pd_act_note_text")
                st.button(
                    "Save note",
                    key="pd_act_note",
                    on_click=_with_text,
                    args=("pd_act_note_text", "Note added", actions.add_note, actor, request_id),
                )
        if (
            actor.can(Right.EXTEND)
            and is_open
            and st.button(
                "Extend…",
                key="pd_act_extend",
                disabled=not can_extend,
                help=None
                if can_extend
                else "Already extended, not allowed by this "
                "regime, or the first deadline has passed.",
            )
        ):
            _extend_dialog(actor, request_id)
        if actor.can(Right.REJECT) and is_open and st.button("Reject…", key="pd_act_reject"):
            _reject_dialog(actor, request_id)
        if (
            actor.can(Right.CLOSE)
            and status in actions.CLOSABLE
            and st.button("Close…", key="pd_act_close")
        ):
            _close_dialog(actor, request_id)
