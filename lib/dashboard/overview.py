"""Turns the Overview's SQL aggregates into KPIs and chart-ready frames (pandas on small data).

No Streamlit and no SQL here: the inputs are the grouped frames of `lib.dashboard.queries`,
whose size does not grow with the number of requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from lib.core.deadlines import REQUEST_TYPES, RULES, DeadlineState, Regime, RegimeRule, rule_for
from lib.dashboard.queries import GUEST, weighted_median

STATE_LABELS: dict[str, str] = {
    DeadlineState.OVERDUE: "overdue",
    DeadlineState.DUE_SOON: "due soon",
    DeadlineState.ON_TRACK: "on track",
}
FUNNEL_STAGES: tuple[str, ...] = ("submitted", "verified", "expired")


@dataclass(frozen=True, slots=True)
class Kpis:
    """The Overview's headline figures (rates 0..1, durations in days)."""

    open: int
    due_soon: int
    overdue: int
    pending_verification: int
    on_time_rate: float | None
    median_days: float | None


def days_left(open_by_due: pd.DataFrame, today: date, soon_days: int) -> pd.DataFrame:
    """Open requests per days left (negative = overdue) with their deadline state."""
    frame = open_by_due.copy()
    frame["days_left"] = [(due - today).days for due in frame["due_on"]]
    frame = frame.groupby("days_left", as_index=False)["requests"].sum()
    frame["state"] = [
        STATE_LABELS[
            DeadlineState.OVERDUE
            if left < 0
            else DeadlineState.DUE_SOON
            if left <= soon_days
            else DeadlineState.ON_TRACK
        ]
        for left in frame["days_left"]
    ]
    return frame


def kpis(
    open_by_due: pd.DataFrame,
    histogram: pd.DataFrame,
    recent_histogram: pd.DataFrame,
    today: date,
    soon_days: int,
) -> Kpis:
    """KPIs from the open queue, the answered histogram (median) and the last 90 days (on time)."""
    left = days_left(open_by_due, today, soon_days) if len(open_by_due) else None
    answered = int(recent_histogram["requests"].sum())
    return Kpis(
        open=int(open_by_due["requests"].sum()),
        due_soon=0
        if left is None
        else int(left.loc[left["state"] == "due soon", "requests"].sum()),
        overdue=0 if left is None else int(left.loc[left["days_left"] < 0, "requests"].sum()),
        pending_verification=int(open_by_due.loc[open_by_due["pending"] == 1, "requests"].sum()),
        on_time_rate=int(recent_histogram["on_time"].sum()) / answered if answered else None,
        median_days=weighted_median(histogram["days"], histogram["requests"]),
    )


def _week(days: pd.Series) -> pd.Series:
    return (days - pd.to_timedelta(days.dt.day_of_week, unit="D")).dt.normalize()


def weekly_volume(volume: pd.DataFrame, by: str) -> pd.DataFrame:
    """Requests per week (starting Monday) and `by` ("type" or "channel")."""
    frame = volume.assign(week=_week(volume["day"]))
    return frame.groupby(["week", by], as_index=False)["requests"].sum()


def response_distribution(histogram: pd.DataFrame) -> pd.DataFrame:
    """Answered requests per regime and whole days to respond."""
    return histogram.groupby(["regime", "days"], as_index=False)["requests"].sum()


def legal_days(regimes: list[str]) -> pd.DataFrame:
    """The first legal period of each regime in days (a month counted as 30), for rule marks."""
    rows = []
    for regime in regimes:
        try:
            rule = RULES[Regime(regime)]
        except ValueError:
            continue
        days = rule.period * 30 if rule.unit == "months" else rule.period
        rows.append({"regime": regime, "deadline_days": days, "label": rule.label})
    return pd.DataFrame(rows, columns=["regime", "deadline_days", "label"])


def _days(rule: RegimeRule) -> int:
    """A rule's first period in calendar days (a month as 30, 5 business days as 7)."""
    if rule.unit == "months":
        return rule.period * 30
    if rule.unit == "business_days":
        return -(-rule.period * 7 // 5)
    return rule.period


def response_by_type(histogram: pd.DataFrame) -> pd.DataFrame:
    """Answered requests per request type and whole days to respond."""
    return histogram.groupby(["type", "days"], as_index=False)["requests"].sum()


def type_legal_days(histogram: pd.DataFrame) -> pd.DataFrame:
    """Per request type, the shortest first period of the regimes it was answered under
    (`lib.core.deadlines.rule_for`: CCPA opt-outs 15 business days, appeals per state)."""
    rows = []
    pairs = histogram[["regime", "type"]].drop_duplicates()
    for kind, group in pairs.groupby("type"):
        if kind not in REQUEST_TYPES:
            continue
        rules = []
        for regime in group["regime"]:
            try:
                rules.append(rule_for(Regime(regime), str(kind)))
            except ValueError:
                continue
        if rules:
            rule = min(rules, key=_days)
            rows.append({"type": kind, "deadline_days": _days(rule), "label": rule.label})
    return pd.DataFrame(rows, columns=["type", "deadline_days", "label"])


def verification_funnel(volume: pd.DataFrame) -> pd.DataFrame:
    """Guest requests per week: submitted, verified, expired (long form for a line chart)."""
    guest = volume.loc[volume["channel"] == GUEST]
    weekly = (
        guest.assign(week=_week(guest["day"]), submitted=guest["requests"])
        .groupby("week", as_index=False)[list(FUNNEL_STAGES)]
        .sum()
    )
    long = weekly.melt(id_vars="week", var_name="stage", value_name="requests")
    return long.astype({"requests": "int64"})


def changes_between(changes: pd.DataFrame, start: date, end: date) -> pd.DataFrame:
    """The setting changes made from `start` to `end` (inclusive, UTC days)."""
    days = pd.to_datetime(changes["at"], utc=True).dt.date
    return changes.loc[(days >= start) & (days <= end)]


def funnel_totals(volume: pd.DataFrame) -> dict[str, int]:
    """Guest requests submitted, verified and expired over the whole range."""
    guest = volume.loc[volume["channel"] == GUEST]
    return {
        "submitted": int(guest["requests"].sum()),
        "verified": int(guest["verified"].sum()),
        "expired": int(guest["expired"].sum()),
    }
