"""What pages read, cached briefly per set of primitive arguments (database URL first).

Aggregates are small, so `st.cache_data` copies are cheap; personal data (request pages) gets a
short TTL. Actions call `clear()` so a change shows on the next run.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from lib.core.config import get_config
from lib.core.db import Database, get_database
from lib.core.lifecycle import local_date
from lib.core.models import utcnow
from lib.core.settings import all_settings
from lib.dashboard import queries, reports, worklist
from lib.dashboard.queries import Scope

AGGREGATE_TTL = 120
ROWS_TTL = 30


@dataclass(frozen=True)
class OverviewData:
    """Every aggregate the Overview draws, fetched together."""

    open_by_due: pd.DataFrame
    volume: pd.DataFrame
    histogram: pd.DataFrame
    recent_histogram: pd.DataFrame
    guest_changes: pd.DataFrame


def db() -> Database:
    """The process-wide database (engine and sessions are shared, never copied)."""
    return get_database()


def url() -> str:
    """The database URL of this process (part of every cache key)."""
    return get_database().url


def today() -> date:
    """Today in the store's calendar (the day deadlines count in)."""
    return local_date(utcnow(), get_config().store_timezone)


@st.cache_data(ttl=AGGREGATE_TTL, max_entries=64, show_spinner="Counting requests…")
def overview(
    db_url: str,
    store_id: int | None,
    start: date,
    end: date,
    regime: str | None,
    rtype: str | None,
    recent_start: date,
) -> OverviewData:
    """The Overview's aggregates for one set of filters."""
    db = get_database(db_url)
    scope = Scope(store_id, start, end, regime, rtype)
    recent = Scope(store_id, recent_start, None, regime, rtype)
    same = start == recent_start and end >= today()
    # The scans are independent and the database drivers release the GIL while a query runs,
    # so running them side by side (one pooled connection each) costs the slowest, not the sum.
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="overview") as pool:
        open_by_due = pool.submit(queries.open_by_due, db, scope)
        volume = pool.submit(queries.daily_volume, db, scope)
        histogram = pool.submit(queries.response_histogram, db, scope)
        recent_histogram = None if same else pool.submit(queries.response_histogram, db, recent)
        changes = pool.submit(queries.guest_support_changes, db)
        return OverviewData(
            open_by_due=open_by_due.result(),
            volume=volume.result(),
            histogram=histogram.result(),
            recent_histogram=(recent_histogram or histogram).result(),
            guest_changes=changes.result(),
        )


@st.cache_data(ttl=AGGREGATE_TTL, max_entries=32, show_spinner=False)
def stores(db_url: str) -> pd.DataFrame:
    """Every store, for the picker."""
    return queries.stores(get_database(db_url))


@st.cache_data(ttl=ROWS_TTL, max_entries=16, show_spinner=False)
def settings(db_url: str) -> dict[str, Any]:
    """Current merchant settings."""
    with get_database(db_url).read() as session:
        return all_settings(session)


@st.cache_data(ttl=ROWS_TTL, max_entries=64, show_spinner=False)
def request_page(db_url: str, query: worklist.RequestQuery, masked: bool) -> pd.DataFrame:
    """One page of the Requests table."""
    return worklist.request_page(get_database(db_url), query, masked=masked)


@st.cache_data(ttl=ROWS_TTL, max_entries=64, show_spinner=False)
def request_count(db_url: str, query: worklist.RequestQuery) -> int:
    """How many requests match (the page and sort do not change it)."""
    return worklist.count_requests(get_database(db_url), query)


@st.cache_data(ttl=AGGREGATE_TTL, max_entries=32, show_spinner="Computing metrics…")
def metrics(db_url: str, store_id: int | None, start: date, end: date) -> pd.DataFrame:
    """The regulatory metrics table for a range."""
    return reports.metrics(get_database(db_url), Scope(store_id, start, end))


@st.cache_data(ttl=AGGREGATE_TTL, max_entries=32, show_spinner=False)
def erasure_outcomes(db_url: str, store_id: int | None, start: date, end: date) -> pd.DataFrame:
    """Erasure requests by outcome for a range (Reports)."""
    return queries.erasure_outcomes(get_database(db_url), Scope(store_id, start, end))


@st.cache_data(ttl=AGGREGATE_TTL, max_entries=32, show_spinner=False)
def received(db_url: str, store_id: int | None, start: date, end: date) -> int:
    """How many requests a report over this range holds."""
    return queries.count_received(get_database(db_url), Scope(store_id, start, end))


def clear() -> None:
    """Forget cached figures after a change made from this dashboard."""
    for function in (overview, settings, request_page, request_count, metrics, stores, received):
        function.clear()
