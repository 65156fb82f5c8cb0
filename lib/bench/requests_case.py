"""Requests table case: one filtered, sorted page as the Requests page fetches it, against the
same SQL on a raw cursor."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from lib.bench.cases import Case, Sample, Target
from lib.bench.rawsql import Statement, capture, driver_connection, fetch_all, per_call
from lib.core.db import Database, get_database

if TYPE_CHECKING:  # imported where used: the case runs in a fresh process per side
    from lib.dashboard.worklist import RequestQuery


def _query() -> RequestQuery:
    """Open access requests, most urgent first, the second page of 25 rows (an analyst's view:
    identities masked)."""
    from lib.dashboard import cached
    from lib.dashboard.worklist import RequestQuery

    return RequestQuery(
        types=("access",),
        sort="days_left",
        page=1,
        page_size=25,
        today=cached.today(),
    )


def _page(db: Database) -> int:
    from lib.dashboard.worklist import request_page

    return len(request_page(db, _query(), masked=True))


def requests_page(target: Target) -> Sample:
    """`worklist.request_page`: SQL, rows, DataFrame, days left, masking.

    Also timed, to show where the time goes: the same statement through SQLAlchemy's thinnest
    path (`exec_driver_sql`) and building a DataFrame of the page's rows.
    """
    import pandas as pd

    db = get_database(target.database_url)
    seconds = per_call(lambda: _page(db))
    rows = _page(db)
    (statement,) = _statements(db.url)

    def driver_sql() -> list[Any]:
        with db.engine.connect() as conn:
            return list(conn.exec_driver_sql(statement.sql, statement.params).all())

    result = driver_sql()
    columns = {str(i): [row[i] for row in result] for i in range(len(result[0]) if result else 0)}
    sql_s = per_call(driver_sql)
    frame_s = per_call(lambda: pd.DataFrame(columns))
    return Sample(
        seconds,
        {
            "rows": rows,
            "sqlalchemy_driver_sql_ms": round(sql_s * 1000, 3),
            "dataframe_ms": round(frame_s * 1000, 3),
            "note": (
                f"{rows} rows; floors: SQLAlchemy round trip {sql_s * 1000:.2f} ms, "
                f"DataFrame {frame_s * 1000:.2f} ms"
            ),
        },
    )


@cache
def _statements(url: str) -> tuple[Statement, ...]:
    db = get_database(url)
    return tuple(capture(db, lambda: _page(db)))


def requests_page_raw(target: Target) -> Sample:
    """The page's SELECT on the driver's cursor."""
    db = get_database(target.database_url)
    statements = list(_statements(db.url))
    connection = driver_connection(db)
    return Sample(per_call(lambda: fetch_all(connection, statements)))


CASES = (
    Case(
        "requests_page",
        "one filtered, sorted page of the Requests table (masked), as a DataFrame",
        requests_page,
        requests_page_raw,
        "the same SELECT through the driver's cursor",
    ),
)
