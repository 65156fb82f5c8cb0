"""Overview: where open requests stand against their deadlines, and how fast requests are
answered. Every figure is a SQL aggregate (lib.dashboard.queries), never a row per request."""

from datetime import timedelta

import streamlit as st

from lib.core.deadlines import REGIMES
from lib.core.enums import RequestType
from lib.dashboard import cached, charts, labels, overview, ui
from lib.dashboard.roles import Right
from lib.dashboard.session import current_actor

actor = current_actor()
ui.guard(actor, Right.VIEW_REQUESTS)
st.title("Overview")
today = cached.today()

with st.container(horizontal=True, vertical_alignment="bottom"):
    period = st.date_input(
        "Received between",
        (today - timedelta(days=90), today),
        max_value=today,
        key="pd_ov_period",
    )
    regime = st.selectbox(
        "Regime",
        [None, *(r.value for r in REGIMES)],
        format_func=labels.regime,
        key="pd_ov_regime",
    )
    rtype = st.selectbox(
        "Type",
        [None, *(t.value for t in RequestType)],
        format_func=labels.request_type,
        key="pd_ov_type",
    )
start, end = (period[0], period[-1]) if period else (today - timedelta(days=90), today)

soon = int(cached.settings(cached.url())["due_soon_days"])
data = cached.overview(
    cached.url(), ui.store_id(), start, end, regime, rtype, today - timedelta(days=90)
)
if data.volume.empty and data.open_by_due.empty:
    ui.empty(
        "No requests match these filters.",
        "widen the date range or clear the filters; on a new installation seed demo data with "
        "`python -m lib demo --requests 2000`.",
    )
    st.stop()

k = overview.kpis(data.open_by_due, data.histogram, data.recent_histogram, today, soon)
with st.container(horizontal=True):
    st.metric("Open", f"{k.open:,}", border=True, help="Requests not yet closed (all dates).")
    st.metric(f"Due within {soon} days", f"{k.due_soon:,}", border=True)
    st.metric("Overdue", f"{k.overdue:,}", border=True, help="Open past their deadline.")
    st.metric("Pending verification", f"{k.pending_verification:,}", border=True)
    st.metric(
        "On time (last 90 days)",
        labels.percent(k.on_time_rate),
        border=True,
        help="Answered requests received in the last 90 days that met their deadline.",
    )
    st.metric(
        "Median response",
        "–"
        if k.median_days is None
        else f"{k.median_days:g} day{'' if k.median_days == 1 else 's'}",
        border=True,
        help="Days from receipt to answer, requests received in the chosen range.",
    )

left, right = st.columns(2)
left.altair_chart(
    charts.weekly_volume(
        overview.weekly_volume(data.volume, "type"), "type", "Weekly volume by type"
    ),
    width="stretch",
)
right.altair_chart(
    charts.weekly_volume(
        overview.weekly_volume(data.volume, "channel"), "channel", "Weekly volume by channel"
    ),
    width="stretch",
)
left, right = st.columns(2)
if data.open_by_due.empty:
    left.success("No open requests: nothing is waiting on a deadline.")
else:
    left.altair_chart(
        charts.open_by_days_left(overview.days_left(data.open_by_due, today, soon)),
        width="stretch",
    )
totals = overview.funnel_totals(data.volume)
if totals["submitted"]:
    changes = overview.changes_between(data.guest_changes, start, end)
    right.altair_chart(
        charts.verification_funnel(overview.verification_funnel(data.volume), changes),
        width="stretch",
    )
    marks = " Grey lines: *Support guest visitors* changed." if len(changes) else ""
    right.caption(
        f"{labels.plural(totals['submitted'], 'guest request')} submitted → "
        f"{totals['verified']:,} verified → {totals['expired']:,} expired unverified.{marks}"
    )
else:
    right.info("No guest requests in this range, so no verification funnel to show.")

distribution = overview.response_distribution(data.histogram)
if distribution.empty:
    ui.empty("No request in this range has been answered yet.", "open Requests to work on them.")
else:
    deadlines = overview.legal_days(sorted(distribution["regime"].unique()))
    st.altair_chart(charts.response_times(distribution, deadlines), width="stretch")
    by_type = overview.response_by_type(data.histogram)
    type_deadlines = overview.type_legal_days(data.histogram)
    st.altair_chart(charts.response_times(by_type, type_deadlines, by="type"), width="stretch")
    st.caption(
        "Per type, the red rule is the shortest deadline among the laws it was answered under "
        "(an opt-out under CCPA: 15 business days, about 21 calendar days)."
    )

erasures = cached.erasure_outcomes(cached.url(), ui.store_id(), start, end)
if not erasures.empty:
    st.subheader("Erasure requests by outcome")
    st.dataframe(
        labels.labelled(erasures, type="type"),
        hide_index=True,
        column_config={"type": "Type", "outcome": "Outcome", "requests": "Requests"},
    )
