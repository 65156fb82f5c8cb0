"""Reports: the request register as CSV (identities masked unless the role may unmask) and the
regulatory metrics report (CCPA-style) on screen and as CSV."""

from datetime import timedelta

import streamlit as st

from lib.dashboard import actions, cached, charts, labels, report_links, reports, ui
from lib.dashboard.queries import Scope
from lib.dashboard.roles import Right
from lib.dashboard.session import current_actor

actor = current_actor()
ui.guard(actor, Right.REPORTS)
st.title("Reports")
today = cached.today()
period = st.date_input(
    "Requests received between",
    (today - timedelta(days=365), today),
    max_value=today,
    key="pd_rp_period",
)
start, end = (period[0], period[-1]) if period else (today - timedelta(days=365), today)
scope = Scope(ui.store_id(), start, end)
rows = cached.received(cached.url(), scope.store_id, start, end)


@st.fragment(run_every=timedelta(seconds=report_links.LINK_SECONDS // 2))
def download_link(scope: Scope, columns: tuple[str, ...], unmask: bool) -> None:
    """The register's download: a single-use link, renewed after each click and before it
    expires, served by the dashboard server as a stream (any size, flat memory)."""
    st.link_button(
        "Download CSV",
        actions.report_link(
            actor, scope, columns, unmask=unmask, base_path=st.get_option("server.baseUrlPath")
        ),
        on_click="rerun",
        type="primary",
        icon=":material/download:",
        key="pd_rp_download",
        help="Streams the whole range straight from the database, however large. Each link "
        f"works once, for {report_links.LINK_SECONDS // 60} minutes; every download is recorded "
        "in the audit log.",
    )


register, regulatory = st.tabs(["Request register (CSV)", "Regulatory metrics"])
with register:
    columns = st.multiselect(
        "Columns", list(reports.COLUMNS), default=list(reports.DEFAULT_COLUMNS), key="pd_rp_cols"
    )
    may_unmask = actor.can(Right.UNMASK_REPORTS)
    unmask = st.toggle(
        "Show identities (email, name)",
        key="pd_rp_unmask",
        disabled=not may_unmask,
        help="Identities are masked by default; only compliance and admin may unmask. "
        "Every download is recorded in the audit log.",
    )
    if rows == 0:
        ui.empty("No request was received in this range.", "pick a wider date range.")
    elif not columns:
        st.warning("Pick at least one column.")
    else:
        st.markdown(
            f"**{labels.plural(rows, 'request')}** · cells that start like a formula are escaped."
        )
        download_link(scope, tuple(columns), bool(unmask and may_unmask))

with regulatory:
    st.caption(
        "Per type and regime, requests received in the range: how many were complied with in "
        "whole or in part, denied, and the median and mean days to respond (CCPA 11 CCR §7102 "
        "style). Expired and canceled requests are neither complied with nor denied."
    )
    table = cached.metrics(cached.url(), scope.store_id, start, end)
    if table.empty:
        ui.empty("No request was received in this range.", "pick a wider date range.")
    else:
        st.dataframe(
            labels.labelled(table, regime="regime", type="type"),
            hide_index=True,
            width="stretch",
            height=35 * (len(table) + 1) + 3,
            column_config={
                **{c: labels.label("column", c) for c in table.columns},
                "median_days_to_respond": st.column_config.NumberColumn(
                    "Median days to respond", format="%.1f"
                ),
                "mean_days_to_respond": st.column_config.NumberColumn(
                    "Mean days to respond", format="%.1f"
                ),
            },
        )
        st.altair_chart(charts.metrics_bars(table[table["regime"] != "all"]), width="stretch")
        st.download_button(
            "Download metrics CSV",
            data=reports.metrics_csv(
                labels.labelled(table, regime="regime", type="type"),
                header=[labels.label("column", c) for c in reports.METRIC_COLUMNS],
            ),
            file_name=f"metrics_{start}_{end}.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
            key="pd_rp_metrics_download",
        )
    erasures = cached.erasure_outcomes(cached.url(), scope.store_id, start, end)
    if not erasures.empty:
        st.subheader("Erasure requests by outcome")
        st.dataframe(
            labels.labelled(erasures, type="type"),
            hide_index=True,
            column_config={"type": "Type", "outcome": "Outcome", "requests": "Requests"},
        )
