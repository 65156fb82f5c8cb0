"""The action bar of one request: buttons for what the role allows in the request's state, and
confirmation dialogs for the ones that cannot be undone (extend, reject, close).

Work happens in button callbacks (`ui.run_action`), which call `lib.dashboard.actions`; those
check the role again, so a hidden button is a convenience, not the protection.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from lib.core.db import get_database
from lib.core.enums import RejectionCode, Status
from lib.dashboard import (
    actions,
    cached,
    labels,
    package_view,
    register_view,
    store_actions,
    ui,
)
from lib.dashboard.package_view import PackageSummary
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
DELIVERABLE = frozenset({Status.READY_FOR_REVIEW, Status.DELIVERED})
CLOCK_STOP_REGIMES = frozenset({"uk_gdpr"})
"""Only the UK's Data (Use and Access) Act 2025 (UK GDPR Art. 12A) lets the clock stop."""


@dataclass(frozen=True, slots=True)
class RequestState:
    """What the action bar needs to know about the request."""

    request_id: int
    reference: str
    status: Status
    regime: str
    can_extend: bool
    is_open: bool
    paused: bool
    store: str
    export_running: bool


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
    _confirm_with_reason(
        "Extend deadline",
        "pd_dlg_extend",
        "pd_dlg_extend_reason",
        "Give the reason the customer will read before extending.",
        "Deadline extended",
        actions.extend,
        actor,
        request_id,
    )


def _confirm_with_reason(
    label: str,
    key: str,
    text_key: str,
    missing: str,
    success: str,
    action: Any,
    actor: Actor,
    request_id: int,
) -> None:
    """A dialog's confirm and *Cancel* buttons; an empty reason keeps the dialog open, with the
    text typed so far and `missing` as the error."""
    error_key = f"{key}_error"
    with st.container(horizontal=True):
        confirmed = st.button(
            label,
            type="primary",
            key=f"{key}_ok",
            on_click=_confirm,
            args=(text_key, error_key, missing, success, action, actor, request_id),
        )
        if st.button("Cancel", key=f"{key}_cancel"):
            st.rerun()
    if confirmed:
        error = st.session_state.pop(error_key, None)
        if error is None:
            st.rerun()
        st.error(error, icon=":material/edit_note:")


def _confirm(
    text_key: str,
    error_key: str,
    missing: str,
    success: str,
    action: Any,
    actor: Actor,
    request_id: int,
) -> None:
    """Confirm's callback: refuse an empty reason (nothing changes), else run the action."""
    if not str(st.session_state.get(text_key, "")).strip():
        st.session_state[error_key] = missing
        return
    _with_text(text_key, success, action, actor, request_id)


@st.dialog("Stop the clock")
def _pause_dialog(actor: Actor, request_id: int) -> None:
    st.write(
        "UK GDPR lets the time limit stand still while you wait for information you need from "
        "the customer (to confirm who they are, or what they ask for). The days it stands still "
        "are added to the deadline when you restart it."
    )
    st.text_area("What was the customer asked for?", key="pd_dlg_pause_reason")
    _confirm_with_reason(
        "Stop the clock",
        "pd_dlg_pause",
        "pd_dlg_pause_reason",
        "Say what the customer was asked for before stopping the clock.",
        "Clock stopped",
        actions.pause,
        actor,
        request_id,
    )


@st.dialog("Reject the request")
def _reject_dialog(actor: Actor, request_id: int) -> None:
    st.write(
        "Rejecting closes the request. The customer is told the reason and how to complain "
        "(or appeal); the reason is kept in the audit trail."
    )
    st.selectbox(
        "Reason",
        actions.rejection_choices(get_database(), request_id),
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
def _close_dialog(actor: Actor, request_id: int, export_running: bool) -> None:
    if export_running:
        st.warning(
            "An export is still running for this request. Cancel the export first, then close "
            "the request.",
            icon=":material/sync:",
        )
        with st.container(horizontal=True):
            if st.button(
                "Cancel the export",
                type="primary",
                key="pd_dlg_close_cancel_export",
                disabled=not actor.can(Right.EXPORT),
                help=None if actor.can(Right.EXPORT) else "Only merchants and admins run exports.",
                on_click=ui.run_action,
                args=(
                    "Export cancelled",
                    package_view.cancel_export,
                    get_database(),
                    actor,
                    request_id,
                ),
            ):
                st.rerun()
            if st.button("Keep it running", key="pd_dlg_close_keep"):
                st.rerun()
        return
    st.write("Closing marks the request completed; it cannot be reopened.")
    st.text_input("Note (optional)", key="pd_dlg_close_reason")
    args = ("pd_dlg_close_reason", "Request closed", actions.close, actor, request_id)
    if st.button(
        "Close request", type="primary", key="pd_dlg_close_ok", on_click=_with_text, args=args
    ):
        st.rerun()


def render(actor: Actor, state: RequestState) -> None:
    """Draw the buttons the actor may use on the request; a disabled one says why."""
    db = get_database()
    request_id, status = state.request_id, state.status
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
            again = status is Status.READY_FOR_REVIEW
            st.button(
                "Export again" if again else "Start export",
                key="pd_act_export",
                type="secondary" if again else "primary",
                help=f"Collects the customer's data from {state.store}"
                + (" into a new package." if again else "."),
                on_click=ui.run_action,
                args=(
                    f"Export queued: reading from {state.store}",
                    store_actions.start_export,
                    db,
                    actor,
                    request_id,
                ),
            )
        if actor.can(Right.EXPORT) and state.export_running:
            st.button(
                "Cancel export",
                key="pd_act_cancel_export",
                on_click=ui.run_action,
                args=("Export cancelled", package_view.cancel_export, db, actor, request_id),
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
            and state.is_open
            and st.button(
                "Extend…",
                key="pd_act_extend",
                disabled=not state.can_extend,
                help=None
                if state.can_extend
                else "Already extended, not allowed by this "
                "regime, or the first deadline has passed.",
            )
        ):
            _extend_dialog(actor, request_id)
        if actor.can(Right.EXTEND) and state.is_open and state.regime in CLOCK_STOP_REGIMES:
            if state.paused:
                st.button(
                    "Restart the clock",
                    key="pd_act_resume",
                    on_click=ui.run_action,
                    args=("Clock restarted", actions.resume, db, actor, request_id),
                )
            elif st.button("Stop the clock…", key="pd_act_pause"):
                _pause_dialog(actor, request_id)
        if actor.can(Right.REJECT) and state.is_open and st.button("Reject…", key="pd_act_reject"):
            _reject_dialog(actor, request_id)
        if (
            actor.can(Right.CLOSE)
            and status in actions.CLOSABLE
            and st.button("Close…", key="pd_act_close")
        ):
            _close_dialog(actor, request_id, state.export_running)


@st.dialog("Deliver to customer")
def deliver_dialog(actor: Actor, package: PackageSummary) -> None:
    """Name the recipient, the link's lifetime and download count; *Send link* or *Cancel*."""
    recipient = package.recipient
    settings = cached.settings(cached.url())
    days, downloads = int(settings["download_link_days"]), int(settings["download_max"])
    st.markdown(
        f"**{labels.plain(recipient)}** gets a mail with a link to the package "
        f"**{package.name}**. The link works for {labels.plural(days, 'day')} and for "
        f"{labels.plural(downloads, 'download')}."
        + (" The passphrase goes in a second mail." if package.encrypted else "")
    )
    warning = register_view.delivery_warning(get_database(), package.export_id)
    if warning:
        st.warning(warning, icon=":material/rule:")
    with st.container(horizontal=True):
        if st.button(
            "Send link",
            type="primary",
            key="pd_dlg_deliver_ok",
            on_click=ui.run_action,
            args=(
                "Download link sent",
                store_actions.deliver,
                get_database(),
                actor,
                package.export_id,
            ),
        ):
            st.rerun()
        if st.button("Cancel", key="pd_dlg_deliver_cancel"):
            st.rerun()


def _when(at: Any) -> str:
    return labels.when(at, ui.viewer_zone())


def deliver_blocked(package: PackageSummary) -> str | None:
    """Why *Deliver to customer* is disabled, or None when it may be used."""
    status = package.status
    if not package.on_disk:
        return "The package was removed after its retention period; export again to deliver."
    if status is Status.COMPLETED:
        return "The customer has downloaded this package; the request is completed."
    if status not in DELIVERABLE:
        return f"The request is {labels.label('status', status).lower()}; nothing to deliver."
    return None


def package_panel(actor: Actor, state: RequestState, package: PackageSummary) -> None:
    """The request's package: summary, review download, readable report, delivery and link."""
    db = get_database()
    st.subheader(f"Package {package.name}")
    with st.container(horizontal=True):
        st.metric("Files", f"{len(package.files):,}" if package.files else "–", border=True)
        st.metric("Rows", f"{package.rows:,}" if package.files else "–", border=True)
        st.metric("Size", f"{package.size_bytes / 1024:,.1f} KB", border=True)
        st.metric("Created", _when(package.created_at), border=True)
    if package.files:
        st.caption(" · ".join(f"{name} ({size / 1024:,.1f} KB)" for name, size in package.files))
    link = package.link
    if link is None:
        st.caption("Not delivered yet.")
    else:
        state_text = (
            f"revoked {_when(link.revoked_at)}"
            if link.revoked_at
            else f"downloaded {labels.plural(link.downloads, 'time')} of {link.max_downloads}, "
            f"valid until {_when(link.expires_at)}"
        )
        st.caption(f"Link sent {_when(link.sent_at)}: {state_text}.")
    if not actor.can(Right.DELIVER):
        st.caption(":material/lock: Reviewing and delivering packages is for merchants and admins.")
        return
    review_why = None if package.on_disk else "The package was removed after its retention period."
    deliver_why = deliver_blocked(package)
    with st.container(horizontal=True):
        st.download_button(
            "Download for review",
            data=partial(store_actions.package_bytes, db, actor, package.export_id),
            file_name=f"{package.name.replace(' ', '-')}.zip",
            mime="application/zip",
            on_click="ignore",
            disabled=review_why is not None,
            help=review_why,
            key="pd_pk_review",
            icon=":material/download:",
        )
        if package.encrypted and package.on_disk:
            with st.popover("Passphrase"):
                st.code(store_actions.passphrase(db, actor, package.export_id) or "", language=None)
        if st.button(
            "Deliver to customer…",
            type="primary",
            key="pd_pk_deliver",
            disabled=deliver_why is not None,
            help=deliver_why or f"Mails {package.recipient} a download link.",
        ):
            deliver_dialog(actor, package)
        live = link is not None and link.revoked_at is None and package.on_disk
        st.button(
            "Revoke link",
            key="pd_pk_revoke",
            disabled=not live,
            help=None if live else "No working link to revoke.",
            on_click=ui.run_action,
            args=(
                "Link revoked",
                store_actions.revoke,
                db,
                actor,
                link.delivery_id if link else 0,
            ),
        )
    if package.has_report and st.toggle("Show the readable report", key="pd_pk_preview"):
        cache = st.session_state.setdefault("pd_pk_report", {})
        if package.export_id not in cache:  # opened once per session: one audit event
            try:
                cache[package.export_id] = package_view.report_html(db, actor, package.export_id)
            except ValueError as exc:
                st.error(str(exc))
                return
        components.html(cache[package.export_id], height=640, scrolling=True)
    elif package.files and not package.has_report:
        st.caption("This package was built before the readable report; its files are listed above.")
