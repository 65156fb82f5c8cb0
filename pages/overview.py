"""Overview: where every request stands."""

import altair as alt
import streamlit as st

from lib.core.db import get_database
from lib.dashboard.queries import status_counts

st.title("Overview")
counts = status_counts(get_database())
total = int(counts["requests"].sum())
if total == 0:
    st.info("No requests yet. Seed demo data with `python -m lib demo --requests 2000`.")
    st.stop()

st.metric("Requests", f"{total:,}", border=True)
chart = (
    alt.Chart(counts)
    .mark_bar()
    .encode(
        x=alt.X("requests:Q", title="Requests"),
        y=alt.Y("status:N", sort=list(counts["status"]), title=None),
        tooltip=["status", "requests"],
    )
)
st.altair_chart(chart, width="stretch")
