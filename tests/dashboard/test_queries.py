"""The dashboard's SQL (aggregates, Requests table, detail view) on SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
from dataclasses import replace
from datetime import timedelta

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.core.models import utcnow
from lib.dashboard import overview, queries, worklist
from lib.dashboard.detail import find_request, request_detail
from lib.dashboard.queries import Scope
from tests.dashboard.conftest import seed_requests


@pytest.fixture
def seeded_db(db):
    return seed_requests(db)


def _today():
    return utcnow().date()


def test_open_queue_and_kpis(seeded_db):
    db, today = seeded_db.db, _today()
    scope = Scope(start=today - timedelta(days=90), end=today)
    open_by_due = queries.open_by_due(db, scope)
    histogram = queries.response_histogram(db, scope)
    k = overview.kpis(open_by_due, histogram, histogram, today, soon_days=7)
    assert (k.open, k.overdue, k.pending_verification) == (4, 1, 1)
    assert k.on_time_rate == 1.0
    assert k.median_days == (12 + 5) / 2  # answered in 12 days, refused in 5
    left = overview.days_left(open_by_due, today, 7)
    assert set(left.loc[left["days_left"] < 0, "state"]) == {"overdue"}
    assert int(left["requests"].sum()) == 4


def test_volume_funnel_and_histogram(seeded_db):
    db, today = seeded_db.db, _today()
    volume = queries.daily_volume(db, Scope(start=today - timedelta(days=90), end=today))
    assert int(volume["requests"].sum()) == 7
    assert overview.funnel_totals(volume) == {"submitted": 2, "verified": 0, "expired": 1}
    weekly = overview.weekly_volume(volume, "channel")
    assert set(weekly["channel"]) == {"guest", "logged_in", "staff", "webhook"}
    assert (weekly["week"].dt.day_of_week == 0).all()
    funnel = overview.verification_funnel(volume)
    assert set(funnel["stage"]) == {"submitted", "verified", "expired"}
    hist = queries.response_histogram(db, Scope())
    assert sorted(zip(hist["regime"], hist["denied"], hist["days"], strict=True)) == [
        ("ccpa", 0, 12),
        ("gdpr", 1, 5),
    ]
    changes = queries.guest_support_changes(db)
    assert changes["label"].tolist() == ["guest support off"]


def test_scope_filters(seeded_db):
    db = seeded_db.db
    assert queries.count_received(db, Scope(regime="ccpa")) == 1
    assert queries.count_received(db, Scope(type="erasure")) == 0
    assert queries.count_received(db, Scope(store_id=seeded_db.store.id)) == 7
    assert queries.count_received(db, Scope(start=_today() - timedelta(days=15))) == 3


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 5)), min_size=1, max_size=30))
def test_weighted_median_equals_the_median_of_the_expanded_values(pairs):
    values = pd.Series([v for v, _ in pairs])
    weights = pd.Series([w for _, w in pairs])
    expanded = [v for v, w in pairs for _ in range(w)]
    assert queries.weighted_median(values, weights) == statistics.median(expanded)


def test_requests_table_filters_sorts_and_pages(seeded_db):
    db, refs = seeded_db.db, seeded_db.refs
    base = worklist.RequestQuery(today=_today())
    page = worklist.request_page(db, base, masked=False)
    assert page["reference"].iloc[0] == refs["overdue"]  # most urgent first
    assert page["days_left"].iloc[0] < 0
    assert worklist.count_requests(db, base) == 4
    everything = replace(base, statuses=(), sort="newest", page_size=3)
    assert worklist.count_requests(db, everything) == 7
    assert (
        worklist.request_page(db, everything, masked=False)["reference"].iloc[0] == refs["pending"]
    )
    second = worklist.request_page(db, replace(everything, page=2), masked=False)
    assert second["reference"].tolist() == [refs["overdue"]]  # 7 rows, 3 per page
    assert worklist.count_requests(db, replace(base, due="overdue")) == 1
    closed = replace(base, statuses=("completed", "rejected"), sort="oldest")
    assert worklist.request_page(db, closed, masked=False)["reference"].tolist() == [
        refs["refused"],
        refs["answered"],
    ]
    assert worklist.count_requests(db, replace(base, statuses=(), search="jane")) == 1
    by_mail = replace(base, statuses=(), search="Refused@EXAMPLE")
    assert worklist.request_page(db, by_mail, masked=False)["reference"].tolist() == [
        refs["refused"]
    ]
    by_ref = replace(base, statuses=(), search=refs["lapsed"].lower())
    assert worklist.count_requests(db, by_ref) == 1
    assert worklist.count_requests(db, replace(base, statuses=()), cap=5) == 5


def test_requests_table_masks_identities(seeded_db):
    query = worklist.RequestQuery(today=_today(), search="jane")
    row = worklist.request_page(seeded_db.db, query, masked=True).iloc[0]
    assert (row["email"], row["name"]) == ("v•••@e•••.com", "J. D•••")


def test_request_detail(seeded_db):
    db = seeded_db.db
    request_id = find_request(db, seeded_db.refs["verified"].lower())
    detail = request_detail(db, request_id, today=_today())
    assert detail.request["email"] == "verified@example.com"
    assert detail.deadline.state == "on_track" and detail.deadline.can_extend
    assert detail.deadline.days_left == (detail.deadline.due - _today()).days
    assert detail.events["to"].tolist() == ["received", "verified"]
    answered = request_detail(db, seeded_db.id("answered"), today=_today(), masked=True)
    assert answered.deadline.state == "met" and answered.deadline.days_left is None
    assert answered.request["email"] == "a•••@e•••.com"
    overdue = request_detail(db, seeded_db.id("overdue"), today=_today())
    assert overdue.deadline.state == "overdue" and not overdue.deadline.can_extend
    assert request_detail(db, 999_999, today=_today()) is None
    assert find_request(db, "DSR-1999-000001") is None


def _plan(db, query) -> str:
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        return " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))


@pytest.mark.parametrize(
    ("changes", "index"),
    [
        ({}, "ix_requests_open_due"),  # open requests by due date: the partial index
        ({"statuses": ()}, "ix_requests_due_on_id"),
        ({"statuses": ("completed",)}, "ix_requests_due_on_id"),  # not the status index
        ({"statuses": ("completed",), "sort": "newest"}, "ix_requests_received_at"),
        ({"statuses": (), "search": "garcia"}, "ix_requests_due_on_id"),
    ],
)
def test_a_page_walks_the_index_of_its_sort_order(sqlite_db, changes, index):
    """Without statistics SQLite would pick the status index and sort every matching row."""
    query = replace(worklist.RequestQuery(today=_today()), **changes)
    plan = _plan(sqlite_db, worklist.page_query(query))
    assert index in plan and "TEMP B-TREE" not in plan, plan


def test_due_index_migration_goes_down_and_up(db):
    from alembic import command
    from sqlalchemy import inspect

    from lib.core.migrate import alembic_config, upgrade

    def indexes() -> set[str]:
        return {ix["name"] for ix in inspect(db.engine).get_indexes("requests")}

    assert "ix_requests_due_on_id" in indexes()
    command.downgrade(alembic_config(db), "0001")
    assert "ix_requests_due_on_id" not in indexes()
    upgrade(db)
    assert "ix_requests_due_on_id" in indexes()
