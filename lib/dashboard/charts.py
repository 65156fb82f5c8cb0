"""Altair chart factories: pages call `st.altair_chart(factory(frame))` on small, grouped frames."""

from __future__ import annotations

import altair as alt
import pandas as pd

from lib.dashboard.labels import label

STATE_COLORS = alt.Scale(
    domain=["Overdue", "Due soon", "On track"], range=["#c0392b", "#e08a1e", "#3a8f5c"]
)
STAGE_COLORS = alt.Scale(
    domain=["Submitted", "Verified", "Expired unverified"], range=["#2f5d8a", "#3a8f5c", "#c0392b"]
)
HEIGHT = 260
COUNT_AXIS = alt.Axis(tickMinStep=1, format=",d")
"""Counts of requests are whole numbers: no 0.2 steps on a small axis."""
LEGEND = alt.Legend(orient="bottom", direction="horizontal", columns=2, labelLimit=220, title=None)
"""Legends under the chart, so nothing drawn at the right edge (the funnel's marks) hides them."""
STAGES = {"submitted": "Submitted", "verified": "Verified", "expired": "Expired unverified"}


def _named(frame: pd.DataFrame, column: str, vocabulary: str) -> pd.DataFrame:
    """`frame` with `column`'s codes as their labels (legends and tooltips read them)."""
    return frame.assign(**{column: frame[column].map(lambda c: label(vocabulary, c))})


def weekly_volume(frame: pd.DataFrame, by: str, title: str) -> alt.Chart:
    """Stacked bars of requests per week, coloured by `by` (`type` or `channel`)."""
    chart: alt.Chart = (
        alt.Chart(_named(frame, by, by), title=title, height=HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X(
                "yearmonthdate(week):O",
                title="Week starting",
                axis=alt.Axis(format="%d %b", labelAngle=-45, labelOverlap="greedy"),
            ),
            y=alt.Y("requests:Q", title="Requests", stack="zero", axis=COUNT_AXIS),
            color=alt.Color(f"{by}:N", title=by.capitalize(), legend=LEGEND),
            tooltip=[
                alt.Tooltip("week:T", title="Week of"),
                alt.Tooltip(f"{by}:N", title=by.capitalize()),
                alt.Tooltip("requests:Q", title="Requests", format=","),
            ],
        )
    )
    return chart


def response_times(
    distribution: pd.DataFrame, deadlines: pd.DataFrame, by: str = "regime"
) -> alt.FacetChart:
    """Days to respond per `by` (regime or type), one panel each, the deadline as a red rule."""
    bars = (
        alt.Chart()
        .mark_bar(color="#2f5d8a")
        .encode(
            x=alt.X("days:Q", title="Days to respond", bin=alt.Bin(step=5)),
            y=alt.Y("sum(requests):Q", title="Requests", axis=COUNT_AXIS),
            tooltip=[alt.Tooltip("sum(requests):Q", title="Requests", format=",")],
        )
    )
    rule = (
        alt.Chart()
        .mark_rule(color="#c0392b", strokeDash=[4, 3], size=2)
        .encode(
            x="deadline_days:Q",
            tooltip=[
                alt.Tooltip("label:N", title="Deadline"),
                alt.Tooltip("deadline_days:Q", title="Days"),
            ],
        )
    )
    merged = _named(distribution.merge(deadlines, on=by, how="left"), by, by)
    chart: alt.FacetChart = (
        alt.layer(bars, rule, data=merged)
        .properties(width=250, height=150)
        .facet(facet=alt.Facet(f"{by}:N", title=None), columns=3)
        .properties(title=f"Response time per {by} (red: legal deadline, days)")
        .resolve_scale(y="independent")
    )
    return chart


def open_by_days_left(frame: pd.DataFrame) -> alt.Chart:
    """Open requests by days left; negative = overdue; coloured by deadline state."""
    chart: alt.Chart = (
        alt.Chart(
            frame.assign(state=frame["state"].str.capitalize()),
            title="Open requests by days left",
            height=HEIGHT,
        )
        .mark_bar()
        .encode(
            x=alt.X("days_left:Q", title="Days left (negative = overdue)"),
            y=alt.Y("requests:Q", title="Requests", axis=COUNT_AXIS),
            color=alt.Color("state:N", title="Deadline", scale=STATE_COLORS, legend=LEGEND),
            tooltip=[
                alt.Tooltip("days_left:Q", title="Days left"),
                alt.Tooltip("state:N", title="Deadline"),
                alt.Tooltip("requests:Q", title="Requests", format=","),
            ],
        )
    )
    return chart


def verification_funnel(
    weekly: pd.DataFrame, changes: pd.DataFrame
) -> alt.LayerChart | alt.FacetChart:  # altair's own type for a layer's `properties`
    """Guest requests per week by stage, with a rule where *Support guest visitors* changed."""
    lines = (
        alt.Chart(weekly.assign(stage=weekly["stage"].map(STAGES)))
        .mark_line(point=True)
        .encode(
            x=alt.X("week:T", title="Week"),
            y=alt.Y("requests:Q", title="Guest requests", axis=COUNT_AXIS),
            color=alt.Color("stage:N", title="Stage", scale=STAGE_COLORS, legend=LEGEND),
            tooltip=[
                alt.Tooltip("week:T", title="Week"),
                alt.Tooltip("stage:N", title="Stage"),
                alt.Tooltip("requests:Q", title="Requests", format=","),
            ],
        )
    )
    marks = changes.loc[:, ["at", "label"]].assign(
        at=pd.to_datetime(changes["at"], utc=True),
        row=[14 * (i % 3) for i in range(len(changes))],  # staggered: near changes stay legible
    )
    rules = (
        alt.Chart(marks)
        .mark_rule(color="#6b7785", strokeDash=[2, 2])
        .encode(
            x="at:T",
            tooltip=[alt.Tooltip("at:T", title="Changed"), alt.Tooltip("label:N", title="Setting")],
        )
    )
    texts = (
        alt.Chart(marks)
        .mark_text(align="left", dx=4, dy=2, color="#6b7785", baseline="top", limit=140)
        .encode(x="at:T", y=alt.Y("row:Q", scale=None, axis=None), text="label:N")
    )
    return alt.layer(lines, rules, texts).properties(
        title="Verification funnel (guest requests)", height=HEIGHT
    )


def metrics_bars(metrics: pd.DataFrame) -> alt.Chart:
    """Median days to respond per type, one bar per regime (the metrics report at a glance)."""
    answered = metrics.dropna(subset=["median_days_to_respond"]).astype(
        {"median_days_to_respond": "float64", "mean_days_to_respond": "float64"}
    )
    answered = _named(_named(answered, "type", "type"), "regime", "regime")
    chart: alt.Chart = (
        alt.Chart(answered, title="Median days to respond", height=HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X("median_days_to_respond:Q", title="Median days to respond"),
            y=alt.Y("type:N", title=None),
            color=alt.Color("regime:N", title="Regime", legend=LEGEND),
            yOffset="regime:N",
            tooltip=[
                alt.Tooltip("regime:N", title="Regime"),
                alt.Tooltip("type:N", title="Type"),
                alt.Tooltip("received:Q", title="Received", format=","),
                alt.Tooltip("median_days_to_respond:Q", title="Median days"),
                alt.Tooltip("mean_days_to_respond:Q", title="Mean days"),
            ],
        )
    )
    return chart
