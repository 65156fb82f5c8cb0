"""Audit log: every recorded event, newest first, filtered in SQL; and a check of the whole
hash chain."""

import streamlit as st

from lib.core.enums import EventKind
from lib.dashboard import actions, cached, labels, ui
from lib.dashboard.audit_records import PAGE_ROWS, AuditFilter, audit_log
from lib.dashboard.detail import event_sentence
from lib.dashboard.roles import Right
from lib.dashboard.session import current_actor

actor = current_actor()
ui.guard(actor, Right.AUDIT)
st.title("Audit log")

with st.container(border=True):
    left, right = st.columns([3, 1], vertical_alignment="center")
    left.markdown(
        "Each event stores the hash of the one before it: an edited, inserted or removed event "
        "breaks the chain. The check reads every event."
    )
    if right.button("Verify chain", key="pd_au_verify", type="primary"):
        with st.spinner("Checking every event…"):
            report = actions.verify_audit_chain(cached.db(), actor)
        (st.success if report.ok else st.error)(report.summary())

with st.container(horizontal=True, vertical_alignment="bottom"):
    kind = st.selectbox(
        "Kind", [None, *(k.value for k in EventKind)], format_func=labels.words, key="pd_au_kind"
    )
    who = st.text_input("Actor (email)", key="pd_au_actor")
    reference = st.text_input("Request", placeholder="DSR-2026-000123", key="pd_au_ref")
    # An empty tuple is Streamlit's documented "range, nothing picked yet"; its stub omits it.
    period = st.date_input("Between", value=(), key="pd_au_period")  # type: ignore[arg-type]

start, end = (period[0], period[-1]) if period else (None, None)
log = audit_log(cached.db(), AuditFilter(kind or "", who, reference, start, end))
if log.empty:
    ui.empty("No event matches these filters.", "clear a filter or widen the dates.")
else:
    shown = min(len(log), PAGE_ROWS)
    st.caption(
        f"Newest {labels.plural(shown, 'matching event')}; narrow the filters for older ones."
    )
    zone = ui.viewer_zone()
    st.dataframe(
        log.assign(
            at=log["at"].map(lambda at: labels.when(at, zone)),
            kind=log["kind"].map(lambda k: labels.label("event", k)),
            what=[
                event_sentence(*row)
                for row in log[["actor", "kind", "from", "to", "reason"]].itertuples(
                    index=False, name=None
                )
            ],
            request=log["request"].fillna("–"),
        ).loc[:, ["seq", "at", "kind", "request", "what", "details"]],
        hide_index=True,
        width="stretch",
        column_config={
            "seq": st.column_config.NumberColumn("#", format="%d"),
            "at": "When",
            "kind": "Kind",
            "request": "Request",
            "what": st.column_config.TextColumn("What happened", width="large"),
            "details": st.column_config.TextColumn("Details", width="medium"),
        },
    )
