"""Requests: every request, filtered, sorted and paginated in the database (one page at a time)."""

from dataclasses import replace

import pandas as pd
import streamlit as st

from lib.core.deadlines import REGIMES
from lib.core.enums import OPEN_STATUSES, Channel, RequestType, Status
from lib.dashboard import bulk_panel, cached, labels, ui
from lib.dashboard.masking import identity_search_refusal
from lib.dashboard.roles import Right
from lib.dashboard.session import current_actor
from lib.dashboard.worklist import (
    COUNT_CAP,
    DUE_WINDOWS,
    PAGE_SIZES,
    SORTS,
    UNASSIGNED,
    RequestQuery,
)

actor = current_actor()
ui.guard(actor, Right.VIEW_REQUESTS)
st.session_state.setdefault("pd_rq_page", 0)
st.title("Requests")


def _first_page() -> None:
    st.session_state["pd_rq_page"] = 0


with st.container(horizontal=True, vertical_alignment="bottom"):
    search = st.text_input(
        "Search", placeholder="DSR-2026-…, email or name", key="pd_rq_search", on_change=_first_page
    )
    statuses = st.multiselect(
        "Status",
        [s.value for s in Status],
        default=sorted(s.value for s in OPEN_STATUSES),
        format_func=labels.words,
        key="pd_rq_status",
        on_change=_first_page,
    )
    due = st.selectbox(
        "Deadline",
        list(DUE_WINDOWS),
        format_func=DUE_WINDOWS.__getitem__,  # picklable, unlike a lambda (session state)
        key="pd_rq_due",
        on_change=_first_page,
    )
    owners = {"": "Anyone", actor.email.lower(): "My requests", UNASSIGNED: "Nobody"}
    owner = st.selectbox(
        "Owner",
        list(owners),
        format_func=owners.__getitem__,
        key="pd_rq_owner",
        on_change=_first_page,
    )
with st.expander("More filters and sorting"), st.container(horizontal=True):
    types = st.multiselect(
        "Type",
        [t.value for t in RequestType],
        format_func=labels.words,
        key="pd_rq_type",
        on_change=_first_page,
    )
    regimes = st.multiselect(
        "Regime",
        [r.value for r in REGIMES],
        format_func=labels.regime,
        key="pd_rq_regime",
        on_change=_first_page,
    )
    channels = st.multiselect(
        "Channel",
        [c.value for c in Channel],
        format_func=labels.words,
        key="pd_rq_channel",
        on_change=_first_page,
    )
    sort = st.selectbox("Sort", list(SORTS), format_func=SORTS.__getitem__, key="pd_rq_sort")
    size = st.selectbox("Rows per page", PAGE_SIZES, key="pd_rq_size", on_change=_first_page)

query = RequestQuery(
    statuses=tuple(statuses),
    types=tuple(types),
    regimes=tuple(regimes),
    channels=tuple(channels),
    due=due,
    search=search,
    store_id=ui.store_id(),
    owner=owner,
    sort=sort,
    page=st.session_state["pd_rq_page"],
    page_size=size,
    today=cached.today(),
)
masked = not actor.can(Right.SEE_IDENTITIES)
if masked and (refusal := identity_search_refusal(search)):
    st.error(refusal, icon=":material/visibility_off:")
    st.stop()
total = cached.request_count(cached.url(), replace(query, page=0, sort="days_left"))
if total == 0:
    ui.empty("No request matches these filters.", "clear the search or pick more statuses.")
    st.stop()

capped = total >= COUNT_CAP
shown = f"{COUNT_CAP:,}+ requests" if capped else labels.plural(total, "request")
pages = max((total + size - 1) // size, query.page + 1)
rows = cached.request_page(cached.url(), query, masked)
if masked:
    st.caption(":material/visibility_off: Identities are masked for your role.")
table = st.dataframe(
    labels.labelled(
        ui.localize(rows, "received_at"),
        type="type",
        status="status",
        channel="channel",
        regime="regime",
    ).assign(
        customer=rows["name"].fillna(rows["email"]),
        days_left=pd.to_numeric(rows["days_left"], errors="coerce"),  # closed: empty, not None
    ),
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="multi-row",
    key="pd_rq_table",
    # what a person scans first fits 1440 px without scrolling; the rest follows
    column_order=(
        "reference",
        "customer",
        "type",
        "status",
        "due_on",
        "days_left",
        "email",
        "owner_email",
        "channel",
        "regime",
        "received_at",
    ),
    column_config={
        "reference": st.column_config.TextColumn("Reference", width=130),
        "customer": st.column_config.TextColumn("Customer", width=170),
        "type": st.column_config.TextColumn("Type", width=160),
        "status": st.column_config.TextColumn("Status", width=150),
        "due_on": st.column_config.DateColumn("Due", format="D MMM YYYY", width=105),
        "days_left": st.column_config.NumberColumn(
            "Days left", format="%d", width=80, help="Negative = overdue; empty once closed."
        ),
        "email": "Email",
        "owner_email": "Owner",
        "channel": "Channel",
        "regime": "Regime",
        "received_at": "Received",
    },
)
selected = [int(rows["id"].iloc[i]) for i in (table.selection.rows if table else [])]

with st.container(horizontal=True, vertical_alignment="center"):
    st.button(
        "Previous",
        key="pd_rq_prev",
        disabled=query.page == 0,
        on_click=lambda: st.session_state.update(pd_rq_page=query.page - 1),
    )
    st.markdown(f"Page **{query.page + 1}** of **{pages:,}{'+' if capped else ''}** · {shown}")
    st.button(
        "Next",
        key="pd_rq_next",
        disabled=len(rows) < size if capped else query.page + 1 >= pages,
        on_click=lambda: st.session_state.update(pd_rq_page=query.page + 1),
    )
    picked = st.selectbox("Open request", rows["reference"].tolist(), key="pd_rq_pick")
    open_clicked = st.button("Open", key="pd_rq_open", type="primary")

bulk_panel.render(actor, replace(query, page=0), selected, total)
if open_clicked and picked:
    st.session_state["pd_ref"] = picked
    st.switch_page("pages/request_detail.py", query_params={"ref": picked})
