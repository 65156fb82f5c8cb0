"""Overview cases: the page's aggregates (against the same SQL on a raw cursor) and its first
render in AppTest (against a one-element page)."""

from __future__ import annotations

import inspect
import time
from datetime import timedelta
from functools import cache
from typing import Any

from lib.bench.cases import Case, Sample, Target
from lib.bench.rawsql import Statement, capture, driver_connection, fetch_all, per_call
from lib.core.config import PROJECT_ROOT
from lib.core.db import Database, get_database

OVERVIEW_PAGE = PROJECT_ROOT / "pages" / "overview.py"
TRIVIAL_PAGE = "import streamlit as st\n\nst.write('Privacy Desk')\n"
RENDER_TIMEOUT_S = 120
DEFAULT_WINDOW_DAYS = 90  # the page's default "Received between" range


def _overview_reads(db: Database) -> dict[str, Any]:
    """What pages/overview.py reads with its default filters, through the same (uncached)
    functions its cached wrappers call."""
    from lib.dashboard import cached

    today = cached.today()
    start = today - timedelta(days=DEFAULT_WINDOW_DAYS)
    return {
        "settings": inspect.unwrap(cached.settings)(db.url),
        "overview": inspect.unwrap(cached.overview)(db.url, None, start, today, None, None, start),
    }


def _aggregate_rows(reads: dict[str, Any]) -> int:
    data = reads["overview"]
    frames = (data.open_by_due, data.volume, data.histogram, data.guest_changes)
    return sum(len(frame) for frame in frames)


def overview_queries(target: Target) -> Sample:
    """Every aggregate of the Overview: SQL, driver, SQLAlchemy rows, DataFrames."""
    db = get_database(target.database_url)
    seconds = per_call(lambda: _overview_reads(db), min_seconds=0.5, max_calls=50)
    rows = _aggregate_rows(_overview_reads(db))
    return Sample(seconds, {"aggregate_rows": rows, "note": f"{rows:,} aggregate rows"})


@cache
def _overview_statements(url: str) -> tuple[Statement, ...]:
    db = get_database(url)
    return tuple(capture(db, lambda: _overview_reads(db)))


def overview_queries_raw(target: Target) -> Sample:
    """The same statements on the driver's cursor, every row fetched."""
    db = get_database(target.database_url)
    statements = list(_overview_statements(db.url))
    connection = driver_connection(db)
    seconds = per_call(lambda: fetch_all(connection, statements), min_seconds=0.5, max_calls=50)
    return Sample(seconds, {"statements": len(statements)})


def _render(build: Any) -> float:
    """Seconds of one first run of a fresh AppTest, every Streamlit cache emptied before."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    app = build()
    app.session_state["pd_local_role"] = "admin"
    started = time.perf_counter()
    app.run(timeout=RENDER_TIMEOUT_S)
    seconds = time.perf_counter() - started
    if app.exception:
        raise RuntimeError(f"the page raised: {app.exception[0].message}")
    return seconds


def overview_render(_target: Target) -> Sample:
    """pages/overview.py as a new session sees it: empty caches, every query run."""
    from streamlit.testing.v1 import AppTest

    seconds = _render(lambda: AppTest.from_file(str(OVERVIEW_PAGE), default_timeout=60))
    return Sample(seconds)


def trivial_render(_target: Target) -> Sample:
    """A page with one element: the AppTest floor (script run, element marshalling)."""
    from streamlit.testing.v1 import AppTest

    return Sample(_render(lambda: AppTest.from_string(TRIVIAL_PAGE, default_timeout=60)))


CASES = (
    Case(
        "overview_queries",
        "all aggregates the Overview page needs (default filters), as DataFrames",
        overview_queries,
        overview_queries_raw,
        "the same SQL statements through the driver's cursor, all rows fetched",
    ),
    Case(
        "overview_render",
        "Overview first render in AppTest with empty caches; peak RSS of the process",
        overview_render,
        trivial_render,
        "a one-element AppTest page",
    ),
)
