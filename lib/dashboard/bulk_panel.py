"""The Requests page's bulk bar: what to act on, the action, a confirm dialog with the count,
and a fragment that polls a queued bulk job until it is done (the page itself never waits).

Work happens in `lib.dashboard.bulk`, which checks the role again: the menu offers only what
the role allows, but that is a convenience, not the protection.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from lib.core.db import Database, get_database
from lib.dashboard import bulk, cached
from lib.dashboard.actions import ActionError
from lib.dashboard.roles import Actor, PermissionDenied, Right
from lib.dashboard.worklist import RequestQuery, filtered_ids

JOB_KEY = "pd_bulk_job"
RESULT_KEY = "pd_bulk_result"
DIALOG_KEY = "pd_bulk_dialog"  # (action, ids) while the confirm dialog is open
POLL_SECONDS = 1.0
SELECTED, FILTERED = "selected", "filtered"


def chosen_ids(db: Database, query: RequestQuery, selected: list[int], scope: str) -> list[int]:
    """The ids a bulk action or download takes: the ticked rows, or every filtered request."""
    if scope == SELECTED:
        return selected
    return filtered_ids(db, query, bulk.BULK_MAX + 1)


def _csv(db: Database, actor: Actor, query: RequestQuery, selected: list[int], scope: str) -> bytes:
    return bulk.selection_csv(db, actor, chosen_ids(db, query, selected, scope))


def _apply(actor: Actor, action: str, ids: list[int]) -> None:
    """Confirm button's callback: start the action, remember its job or its outcome."""
    spec = bulk.ACTIONS[bulk.BulkAction(action)]
    text = str(st.session_state.get("pd_bulk_text") or "") if spec.text_label else ""
    try:
        started = bulk.start(get_database(), actor, action, ids, text)
    except (PermissionDenied, ActionError) as exc:
        st.session_state[RESULT_KEY] = ("error", str(exc))
        return
    cached.clear()
    if started.job_id is not None:
        st.session_state[JOB_KEY] = started.job_id
    st.session_state[RESULT_KEY] = ("success", started.summary)
    st.session_state.pop("pd_bulk_text", None)


def _forget() -> None:
    st.session_state.pop(DIALOG_KEY, None)


def _open(action: str, ids: list[int]) -> None:
    """Open the confirm dialog; it stays open across reruns until confirmed or shut."""
    st.session_state[DIALOG_KEY] = (action, ids)


@st.dialog("Confirm the bulk action", on_dismiss=_forget)
def _confirm(actor: Actor, action: str, ids: list[int]) -> None:
    spec = bulk.ACTIONS[bulk.BulkAction(action)]
    count = len(ids)
    st.markdown(f"**{spec.label}** on **{count:,} request{'' if count == 1 else 's'}**.")
    st.caption("Each request is changed and audited on its own; one that does not fit is skipped.")
    if action == bulk.BulkAction.ASSIGN_OWNER:
        st.selectbox(
            spec.text_label,
            bulk.owners(get_database(), actor),
            key="pd_bulk_text",
            index=None,
            placeholder="Nobody (take the requests back)",
        )
    elif action == bulk.BulkAction.MERGE:
        st.text_input(spec.text_label, key="pd_bulk_text", placeholder="DSR-2026-…")
        st.caption("The kept request keeps its own verification; the others are closed into it.")
    elif spec.text_label:
        st.text_area(spec.text_label, key="pd_bulk_text")
    with st.container(horizontal=True):
        confirmed = st.button(f"Apply to {count:,}", type="primary", key="pd_bulk_ok")
        canceled = st.button("Cancel", key="pd_bulk_cancel")
    if canceled:
        _forget()
        st.rerun()
    if confirmed:
        text = str(st.session_state.get("pd_bulk_text") or "").strip()
        if spec.text_required and not text:  # the dialog stays open, the text is kept
            st.error(f"Write the {spec.text_label.split(' (')[0].lower()} first.")
            return
        _forget()
        _apply(actor, action, ids)
        st.rerun()


def _result() -> None:
    outcome = st.session_state.pop(RESULT_KEY, None)
    if outcome is not None:
        kind, text = outcome
        (st.success if kind == "success" else st.error)(text)


@st.fragment(run_every=POLL_SECONDS)
def _job_progress(actor: Actor) -> None:
    """Polled every second while a bulk job runs; reruns the page once when it is finished."""
    job_id = st.session_state.get(JOB_KEY)
    if job_id is None:
        return
    try:
        state = bulk.progress(get_database(), actor, int(job_id))
    except ActionError:
        st.session_state.pop(JOB_KEY, None)
        return
    st.progress(state.fraction, text=state.summary)
    if state.finished:
        st.session_state.pop(JOB_KEY, None)
        st.session_state[RESULT_KEY] = ("success" if state.tally else "error", state.summary)
        cached.clear()
        st.rerun(scope="app")


def render(actor: Actor, query: RequestQuery, selected: list[int], total: int) -> None:
    """The bulk bar under the Requests table (`selected`: ids of the ticked rows)."""
    _result()
    if st.session_state.get(JOB_KEY) is not None:
        _job_progress(actor)
    actions = bulk.offered(actor)
    can_csv = actor.can(Right.REPORTS)
    if not actions and not can_csv:
        return
    too_many = total > bulk.BULK_MAX
    with st.container(border=True, horizontal=True, vertical_alignment="bottom"):
        scope = st.radio(
            "Act on",
            [SELECTED, FILTERED],
            format_func={
                SELECTED: f"Selected rows ({len(selected):,})",
                FILTERED: "All filtered ("
                + (f"{bulk.BULK_MAX:,}+" if too_many else f"{total:,}")
                + ")",
            }.get,
            key="pd_bulk_scope",
            horizontal=True,
        )
        count = len(selected) if scope == SELECTED else total
        blocked = (
            "Tick rows in the table first."
            if count == 0
            else f"Narrow the filters to at most {bulk.BULK_MAX:,} requests."
            if scope == FILTERED and too_many
            else None
        )
        db = get_database()
        if actions:
            action = st.selectbox(
                "Bulk action", actions, format_func=bulk.action_label, key="pd_bulk_action"
            )
            if st.button("Apply…", key="pd_bulk_apply", disabled=blocked is not None, help=blocked):
                _open(action, chosen_ids(db, query, selected, scope))
        if can_csv:
            st.download_button(
                "Download as CSV",
                data=partial(_csv, db, actor, query, selected, scope),
                file_name="requests_selection.csv",
                mime="text/csv",
                on_click="ignore",
                disabled=blocked is not None,
                help=blocked,
                icon=":material/download:",
                key="pd_bulk_csv",
            )
    if (pending := st.session_state.get(DIALOG_KEY)) is not None:
        _confirm(actor, *pending)
