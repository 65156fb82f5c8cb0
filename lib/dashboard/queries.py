"""SQL aggregates for the Overview, returned as small DataFrames (never one row per request).

Every function groups in the database, so the result's size depends on the number of days,
types, channels and regimes, not on the number of requests. Medians come from grouped day
histograms (SQLite has no percentile functions). Instants are grouped by their UTC day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Select, case, func, select

from lib.core.db import Database
from lib.core.enums import Channel, RequestType, Status
from lib.core.models import Request, SettingChange, Store
from lib.dashboard.sqlfn import day_of, days_between


@dataclass(frozen=True, slots=True)
class Scope:
    """The Overview's filters; `None` means all."""

    store_id: int | None = None
    start: date | None = None
    end: date | None = None
    regime: str | None = None
    type: str | None = None


def scoped(query: Select[Any], scope: Scope, *, dates: bool = True) -> Select[Any]:
    """`query` restricted to the scope (received dates optional)."""
    if scope.store_id is not None:
        query = query.where(Request.store_id == scope.store_id)
    if scope.regime:
        query = query.where(Request.regime == scope.regime)
    if scope.type:
        query = query.where(Request.type == scope.type)
    if dates and scope.start is not None:
        query = query.where(Request.received_at >= datetime.combine(scope.start, time(), UTC))
    if dates and scope.end is not None:
        end = datetime.combine(scope.end + timedelta(days=1), time(), UTC)
        query = query.where(Request.received_at < end)
    return query


def _frame(db: Database, query: Select[Any], columns: list[str]) -> pd.DataFrame:
    with db.read() as session:
        rows = session.execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def open_by_due(db: Database, scope: Scope) -> pd.DataFrame:
    """Open requests per due date, split by whether they wait for verification.

    Served by the partial index on open requests; the received-date filter does not apply
    (the open queue is the current state).
    """
    pending = case((Request.status == Status.PENDING_VERIFICATION, 1), else_=0)
    query = (
        select(Request.due_on, pending.label("pending"), func.count())
        .where(Request.closed_at.is_(None))
        .group_by(Request.due_on, pending)
    )
    frame = _frame(db, scoped(query, scope, dates=False), ["due_on", "pending", "requests"])
    frame["due_on"] = pd.to_datetime(frame["due_on"]).dt.date
    return frame


def daily_volume(db: Database, scope: Scope) -> pd.DataFrame:
    """Requests received per day, type and channel, with how many were verified and expired."""
    day = day_of(Request.received_at)
    query = select(
        day.label("day"),
        Request.type,
        Request.channel,
        func.count(),
        func.count(Request.verified_at),
        func.sum(case((Request.status == Status.EXPIRED, 1), else_=0)),
    ).group_by(day, Request.type, Request.channel)
    columns = ["day", "type", "channel", "requests", "verified", "expired"]
    frame = _frame(db, scoped(query, scope), columns)
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def response_histogram(db: Database, scope: Scope) -> pd.DataFrame:
    """Answered requests per regime, type, outcome and whole days to respond, with on-time count."""
    days = days_between(Request.responded_at, Request.received_at)
    denied = case((Request.status == Status.REJECTED, 1), else_=0)
    on_time = case((day_of(Request.responded_at) <= Request.due_on, 1), else_=0)
    query = (
        select(
            Request.regime,
            Request.type,
            denied.label("denied"),
            days.label("days"),
            func.count(),
            func.sum(on_time),
        )
        .where(Request.responded_at.is_not(None))
        .group_by(Request.regime, Request.type, denied, days)
    )
    columns = ["regime", "type", "denied", "days", "requests", "on_time"]
    return _frame(db, scoped(query, scope), columns)


ERASURE_OUTCOMES = {
    Status.COMPLETED: "Erased",
    Status.REJECTED: "Refused",
    Status.CANCELED: "Canceled",
    Status.EXPIRED: "Expired (never verified)",
    Status.IN_PROGRESS: "In progress (queued in Shopify)",
}
"""An erasure request's status in words; the other open states count as "Open"."""


def erasure_outcomes(db: Database, scope: Scope) -> pd.DataFrame:
    """Erasure and shop/redact requests received in the scope, per type and outcome."""
    query = (
        select(Request.type, Request.status, func.count())
        .where(Request.type.in_([RequestType.ERASURE, RequestType.SHOP_ERASURE]))
        .group_by(Request.type, Request.status)
    )
    frame = _frame(db, scoped(query, scope), ["type", "status", "requests"])
    frame["outcome"] = [ERASURE_OUTCOMES.get(Status(s), "Open") for s in frame["status"]]
    grouped = frame.groupby(["type", "outcome"], as_index=False)["requests"].sum()
    return grouped.sort_values(["type", "requests"], ascending=[True, False], ignore_index=True)


def received_counts(db: Database, scope: Scope) -> pd.DataFrame:
    """Requests received per regime and type (the metrics report's first column)."""
    query = select(Request.regime, Request.type, func.count()).group_by(
        Request.regime, Request.type
    )
    return _frame(db, scoped(query, scope), ["regime", "type", "received"])


def guest_support_changes(db: Database) -> pd.DataFrame:
    """When *Support guest visitors* was switched, and to what (for marks on charts)."""
    query = (
        select(SettingChange.at, SettingChange.after, SettingChange.actor)
        .where(SettingChange.key == "guest_support")
        .order_by(SettingChange.at)
    )
    frame = _frame(db, query, ["at", "after", "actor"])
    frame["enabled"] = frame["after"].map(lambda v: v == "true")
    frame["label"] = frame["enabled"].map({True: "guest support on", False: "guest support off"})
    return frame


def count_received(db: Database, scope: Scope) -> int:
    """How many requests were received in the scope."""
    with db.read() as session:
        return int(session.scalar(scoped(select(func.count()).select_from(Request), scope)) or 0)


def setting_history(db: Database, limit: int = 100) -> pd.DataFrame:
    """The latest setting changes: when, who, which setting, before and after."""
    query = (
        select(
            SettingChange.at,
            SettingChange.actor,
            SettingChange.key,
            SettingChange.before,
            SettingChange.after,
        )
        .order_by(SettingChange.id.desc())
        .limit(limit)
    )
    return _frame(db, query, ["at", "actor", "setting", "before", "after"])


def stores(db: Database) -> pd.DataFrame:
    """Every store (id, name, domain) for the store picker."""
    query = select(Store.id, Store.name, Store.shop_domain).order_by(Store.name)
    return _frame(db, query, ["id", "name", "shop_domain"])


def weighted_median(values: pd.Series, weights: pd.Series) -> float | None:
    """Median of `values` repeated `weights` times (a grouped histogram), or None when empty."""
    total = int(weights.sum())
    if total == 0:
        return None
    order = values.argsort(kind="stable")
    cumulative = weights.iloc[order].cumsum().to_numpy()
    ordered = values.iloc[order].to_numpy()

    def nth(n: int) -> float:  # the n-th smallest value, 1-based
        return float(ordered[(cumulative >= n).argmax()])

    if total % 2:
        return nth((total + 1) // 2)
    return (nth(total // 2) + nth(total // 2 + 1)) / 2


GUEST = Channel.GUEST.value
