"""Chart factories: valid Vega-Lite, and every encoded field exists in the data they are given."""

from __future__ import annotations

from datetime import UTC, date, datetime

import altair as alt
import pandas as pd
import pytest

from lib.dashboard import charts, overview
from lib.dashboard.reports import METRIC_COLUMNS

VOLUME = pd.DataFrame(
    {
        "day": pd.to_datetime(["2026-03-02", "2026-03-03", "2026-03-10"]),
        "type": ["access", "erasure", "access"],
        "channel": ["guest", "logged_in", "guest"],
        "requests": [3, 1, 2],
        "verified": [2, 1, 1],
        "expired": [1, 0, 0],
    }
)
HISTOGRAM = pd.DataFrame(
    {"regime": ["gdpr", "ccpa"], "type": ["access"] * 2, "denied": [0, 1], "days": [12, 40],
     "requests": [5, 2], "on_time": [5, 2]}
)  # fmt: skip
OPEN = pd.DataFrame(
    {"due_on": [date(2026, 3, 1), date(2026, 3, 20)], "pending": [0, 1], "requests": [2, 1]}
)
CHANGES = pd.DataFrame({"at": [datetime(2026, 3, 5, tzinfo=UTC)], "label": ["guest support off"]})
METRICS = pd.DataFrame(
    [["gdpr", "access", 7, 5, 0, 12.0, 12.0], ["ccpa", "access", 2, 0, 2, None, None]],
    columns=list(METRIC_COLUMNS),
)


def _fields(spec: object) -> set[str]:
    found: set[str] = set()
    if isinstance(spec, dict):
        if isinstance(spec.get("field"), str):
            found.add(spec["field"])
        for value in spec.values():
            found |= _fields(value)
    elif isinstance(spec, list):
        for value in spec:
            found |= _fields(value)
    return found


def _columns(spec: dict) -> set[str]:
    return {key for rows in spec.get("datasets", {}).values() for row in rows for key in row}


@pytest.mark.parametrize(
    "chart",
    [
        charts.weekly_volume(overview.weekly_volume(VOLUME, "type"), "type", "By type"),
        charts.weekly_volume(overview.weekly_volume(VOLUME, "channel"), "channel", "By channel"),
        charts.response_times(
            overview.response_distribution(HISTOGRAM), overview.legal_days(["gdpr", "ccpa"])
        ),
        charts.open_by_days_left(overview.days_left(OPEN, date(2026, 3, 10), 7)),
        charts.verification_funnel(overview.verification_funnel(VOLUME), CHANGES),
        charts.metrics_bars(METRICS),
    ],
    ids=["volume-type", "volume-channel", "response", "days-left", "funnel", "metrics"],
)
def test_every_encoded_field_is_in_the_data(chart: alt.TopLevelMixin) -> None:
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    columns = _columns(spec)
    assert columns, "the chart carries data"
    assert _fields(spec) <= columns


def test_legal_deadlines_in_days() -> None:
    days = overview.legal_days(["gdpr", "ccpa", "lgpd", "nonsense"])
    assert dict(zip(days["regime"], days["deadline_days"], strict=True)) == {
        "gdpr": 30, "ccpa": 45, "lgpd": 15}  # fmt: skip
