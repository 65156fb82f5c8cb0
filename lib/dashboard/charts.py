"""Altair chart factories: pages call `st.altair_chart(factory(frame))` on small, grouped frames."""

from __future__ import annotations

import altair as alt
import pandas as pd

STATE_COLORS = alt.Scale(
    domain=["overdue", "due soon", "on track"], range=["#c0392b", "#e08a1e", "#3a8f5c"]
)
STAGE_COLORS = alt.Scale(
    domain=["submitted", "verified", "expired"], range=["#2f5d8a", "#3a8f5c", "#c0392b"]
)
HEIGHT = 260


def weekly_volume(frame: pd.DataFrame, by: str, title: str) -> alt.Chart:
    """Stacked bars of requests per week, coloured by `by`."""
    return (
        alt.Chart(frame, title=title, height=HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X(
                "yearmonthdate(week):O",
                title="Week starting",
                axis=alt.Axis(format="%d %b", labelAngle=-45, labelOverlap="greedy"),
            ),
            y=alt.Y("requests:Q", title="Requests", stack="zero"),
            color=alt.Color(f"{by}:N", title=by.capitalize()),
            tooltip=[
                alt.Tooltip("week:T", title="Week of"),
                alt.Tooltip(f"{by}:N"),
                alt.Tooltip("requests:Q", format=","),
            ],
        )
    )


def response_times(distribution: pd.DataFrame, deadlines: pd.DataFrame) -> alt.FacetChart:
    """Days to respond per regime, one panel each, with the legal deadline as a red rule."""
    bars = (
        alt.Chart()
        .mark_bar(color="#2f5d8a")
        .encode(
            x=alt.X("days:Q", title="Days to respond", bin=alt.Bin(step=5)),
            y=alt.Y("sum(requests):Q", title="Requests"),
            tooltip=[alt.Tooltip("sum(requests):Q", title="requests", format=",")],
        )
    )
    rule = (
        alt.Chart()
        .mark_rule(color="#c0392b", strokeDash=[4, 3], size=2)
        .encode(x="deadline_days:Q", tooltip=["label:N", "deadline_days:Q"])
    )
    merged = distribution.merge(deadlines, on="regime", how="left")
    return (
        alt.layer(bars, rule, data=merged)
        .properties(width=250, height=150)
        .facet(facet=alt.Facet("regime:N", title=None), columns=3)
        .properties(title="Response time per regime (red: legal deadline, days)")
        .resolve_scale(y="independent")
    )


def open_by_days_left(frame: pd.DataFrame) -> alt.Chart:
    """Open requests by days left; negative = overdue; coloured by deadline state."""
    return (
        alt.Chart(frame, title="Open requests by days left", height=HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X("days_left:Q", title="Days left (negative = overdue)"),
            y=alt.Y("requests:Q", title="Requests"),
            color=alt.Color("state:N", title="Deadline", scale=STATE_COLORS),
            tooltip=["days_left:Q", "state:N", alt.Tooltip("requests:Q", format=",")],
        )
    )


def verification_funnel(weekly: pd.DataFrame, changes: pd.DataFrame) -> alt.LayerChart:
    """Guest requests per week by stage, with a rule where *Support guest visitors* changed."""
    lines = (
        alt.Chart(weekly)
        .mark_line(point=True)
        .encode(
            x=alt.X("week:T", title="Week"),
            y=alt.Y("requests:Q", title="Guest requests"),
            color=alt.Color("stage:N", title="Stage", scale=STAGE_COLORS),
            tooltip=["week:T", "stage:N", alt.Tooltip("requests:Q", format=",")],
        )
    )
    marks = changes.loc[:, ["at", "label"]].assign(at=pd.to_datetime(changes["at"], utc=True))
    rules = (
        alt.Chart(marks)
        .mark_rule(color="#6b7785", strokeDash=[2, 2])
        .encode(x="at:T", tooltip=[alt.Tooltip("at:T", title="changed"), "label:N"])
    )
    labels = (
        alt.Chart(marks)
        .mark_text(align="left", dx=4, dy=-4, color="#6b7785", baseline="top")
        .encode(x="at:T", y=alt.value(0), text="label:N")
    )
    return alt.layer(lines, rules, labels).properties(
        title="Verification funnel (guest requests)", height=HEIGHT
    )


def metrics_bars(metrics: pd.DataFrame) -> alt.Chart:
    """Median days to respond per type, one bar per regime (the metrics report at a glance)."""
    answered = metrics.dropna(subset=["median_days_to_respond"]).astype(
        {"median_days_to_respond": "float64", "mean_days_to_respond": "float64"}
    )
    return (
        alt.Chart(answered, title="Median days to respond", height=HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X("median_days_to_respond:Q", title="Median days to respond"),
            y=alt.Y("type:N", title=None),
            color=alt.Color("regime:N", title="Regime"),
            yOffset="regime:N",
            tooltip=[
                "regime:N",
                "type:N",
                alt.Tooltip("received:Q", format=","),
                alt.Tooltip("median_days_to_respond:Q", title="median days"),
                alt.Tooltip("mean_days_to_respond:Q", title="mean days"),
            ],
        )
    )
