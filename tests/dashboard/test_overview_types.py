"""Overview's response-time panel per request type, against each type's own deadline."""

from __future__ import annotations

import pandas as pd

from lib.dashboard import charts, overview

HIST = pd.DataFrame(
    [
        ("ccpa", "opt_out", 0, 3, 4, 4),
        ("ccpa", "correction", 0, 30, 2, 2),
        ("gdpr", "correction", 1, 12, 1, 1),
        ("us_state", "appeal", 1, 50, 1, 1),
        ("shopify", "shop_erasure", 0, 2, 1, 1),
    ],
    columns=["regime", "type", "denied", "days", "requests", "on_time"],
)


def test_type_deadlines_are_the_shortest_rule_per_type() -> None:
    rows = overview.type_legal_days(HIST).set_index("type")
    assert rows.loc["opt_out", "deadline_days"] == 21  # 15 business days
    assert rows.loc["correction", "deadline_days"] == 30  # GDPR's month, shorter than 45
    assert rows.loc["appeal", "deadline_days"] == 45  # no state: the shortest appeal period
    assert "shop_erasure" not in rows.index  # no rule of its own


def test_response_by_type_and_its_chart() -> None:
    by_type = overview.response_by_type(HIST)
    assert by_type.loc[by_type["type"] == "correction", "requests"].sum() == 3
    spec = charts.response_times(by_type, overview.type_legal_days(HIST), by="type").to_dict()
    assert spec["title"] == "Response time per type (red: legal deadline, days)"
    assert {row["type"] for row in spec["datasets"][next(iter(spec["datasets"]))]} >= {
        "Correction",
        "Opt-out of sale or sharing",
    }
