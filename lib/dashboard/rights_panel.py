"""The request page's panel for corrections, opt-outs and appeals (issue 18).

Correction: what the customer said, each asked field beside the store's value now (read live),
a tick per field to apply it and a reason for each one left out; or refuse it all. Opt-out:
apply it in Shopify with the unsubscribes the customer asked for. Appeal: the refused request,
who refused it and why, and grant or deny with reasons. Work happens in button callbacks
through `lib.dashboard.rights_actions`, which check the role again.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib.core.db import Database
from lib.dashboard import labels, rights_actions, ui
from lib.dashboard.actions import ActionError
from lib.dashboard.roles import Actor, Right
from lib.store.correction import LABELS

KEY = "pd_rt_"


def render(db: Database, actor: Actor, request_id: int, request_type: str, is_open: bool) -> None:
    """The panel for `request_type`; nothing for other types."""
    panels = {"correction": _correction, "opt_out": _opt_out, "appeal": _appeal}
    panel = panels.get(request_type)
    if panel is None:
        return
    with st.container(border=True):
        panel(db, actor, request_id, is_open)


def _correction(db: Database, actor: Actor, request_id: int, is_open: bool) -> None:
    st.subheader("Correction asked")
    try:
        preview = rights_actions.correction_preview(db, actor, request_id)
    except ActionError as exc:
        st.warning(str(exc), icon=":material/warning:")
        return
    st.markdown(f"> {labels.plain(preview.statement)}")
    if preview.outcome:
        for field, result in preview.outcome.items():
            shown = _outcome_line(field, result)
            st.markdown(f"- {shown}")
        return
    if not preview.rows:
        st.caption("The customer named no field; answer from the text above.")
    for row in preview.rows:
        now = labels.plain(row.current) or "empty"
        line = f"**{row.label}**: store has {now} → asked {labels.plain(row.asked)}"
        if not row.changes:
            st.markdown(f"{line} (already so)")
            continue
        apply = st.checkbox(line, value=True, key=f"{KEY}apply_{row.field}", disabled=not is_open)
        if not apply:
            st.text_input(
                f"Why not {row.label}? (sent to the customer)", key=f"{KEY}why_{row.field}"
            )
    if not is_open or not actor.can(Right.CUSTOMERS):
        return
    changing = [r for r in preview.rows if r.changes]
    st.button(
        "Apply in Shopify",
        key=f"{KEY}apply",
        disabled=not changing,
        help="Writes the ticked fields to the store customer, then closes the request.",
        on_click=_apply_correction,
        args=(db, actor, request_id, [(r.field, r.current) for r in changing]),
    )
    if actor.can(Right.REJECT):
        st.text_input("Reason for refusing the whole correction", key=f"{KEY}refuse_reason")
        st.button(
            "Refuse correction",
            key=f"{KEY}refuse",
            on_click=lambda: ui.run_action(
                "Correction refused.",
                rights_actions.refuse_correction,
                db,
                actor,
                request_id,
                st.session_state.get(f"{KEY}refuse_reason", ""),
            ),
        )


def _outcome_line(field: str, result: Any) -> str:
    label = LABELS.get(field, field)
    if isinstance(result, dict) and result.get("applied"):
        return f"{label}: corrected to {labels.plain(result.get('new'))}"
    reason = result.get("reason") if isinstance(result, dict) else None
    return f"{label}: not corrected ({labels.plain(reason) or 'no reason'})"


def _apply_correction(
    db: Database, actor: Actor, request_id: int, rows: list[tuple[str, str | None]]
) -> None:
    apply = {f: cur for f, cur in rows if st.session_state.get(f"{KEY}apply_{f}", True)}
    refuse = {
        f: str(st.session_state.get(f"{KEY}why_{f}", ""))
        for f, _cur in rows
        if not st.session_state.get(f"{KEY}apply_{f}", True)
    }
    ui.run_action(
        "Correction queued: it is written to the store in a moment.",
        rights_actions.apply_correction,
        db,
        actor,
        request_id,
        apply,
        refuse,
    )


def _opt_out(db: Database, actor: Actor, request_id: int, is_open: bool) -> None:
    st.subheader("Opt-out of sale or sharing")
    if not is_open:
        st.caption("Done: the Shopify customer's read-back is on the timeline.")
        return
    if not actor.can(Right.CUSTOMERS):
        st.caption("The merchant applies the opt-out in Shopify.")
        return
    st.checkbox("Also unsubscribe from email marketing", key=f"{KEY}email")
    st.checkbox("Also unsubscribe from SMS marketing", key=f"{KEY}sms")
    st.button(
        "Apply opt-out in Shopify",
        key=f"{KEY}optout",
        help="Marks the customer as opted out of data sale, then reads the customer back.",
        on_click=lambda: ui.run_action(
            "Opt-out queued: it is applied in the store in a moment.",
            _queue_opt_out,
            db,
            actor,
            request_id,
        ),
    )


def _queue_opt_out(db: Database, actor: Actor, request_id: int) -> None:
    rights_actions.apply_opt_out(
        db,
        actor,
        request_id,
        email_marketing=bool(st.session_state.get(f"{KEY}email")),
        sms_marketing=bool(st.session_state.get(f"{KEY}sms")),
    )


def _appeal(db: Database, actor: Actor, request_id: int, is_open: bool) -> None:
    st.subheader("Appeal")
    try:
        view = rights_actions.appeal_view(db, actor, request_id)
    except ActionError as exc:
        st.warning(str(exc), icon=":material/warning:")
        return
    st.markdown(
        f"Appeals **{labels.plain(view.refused_reference)}** "
        f"({labels.label('type', view.refused_type)}), refused by "
        f"{labels.plain(view.refused_by)}: {labels.plain(view.refusal) or 'no reason recorded'}"
    )
    if view.statement:
        st.markdown(f"> {labels.plain(view.statement)}")
    if view.attorney_general:
        ag = view.attorney_general
        st.caption(f"If denied, the customer is pointed to {ag.office}: {ag.url}")
    if not is_open or not actor.can(Right.REJECT):
        return
    if actor.email.strip().lower() == view.refused_by.strip().lower():
        st.info("You refused the request, so another compliance officer decides the appeal.")
        return
    st.text_input("Reasons for the decision (sent to the customer)", key=f"{KEY}appeal_reason")
    with st.container(horizontal=True):
        for grant, label in ((True, "Grant appeal"), (False, "Deny appeal")):
            st.button(
                label,
                key=f"{KEY}appeal_{'grant' if grant else 'deny'}",
                on_click=lambda grant=grant: ui.run_action(
                    "Appeal granted: the request is open again." if grant else "Appeal denied.",
                    _decide,
                    db,
                    actor,
                    request_id,
                    grant,
                ),
            )


def _decide(db: Database, actor: Actor, request_id: int, grant: bool) -> None:
    reason = str(st.session_state.get(f"{KEY}appeal_reason", ""))
    rights_actions.decide_appeal(db, actor, request_id, grant=grant, reason=reason)
