"""Baselines through a raw DB-API cursor: the very statements the project's code sends.

`capture` runs a project function once with a listener on the engine and keeps every SELECT as
it reached the driver (SQL text and parameters, after SQLAlchemy's compilation and type
processing); `fetch_all` replays them on the driver's own connection (sqlite3 / psycopg) and
fetches every row. So a baseline never re-implements a query: it is the same SQL minus the
layers above the cursor.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import PoolProxiedConnection, event

from lib.core.db import Database


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement as the driver received it."""

    sql: str
    params: Any


@contextmanager
def capturing(db: Database) -> Iterator[list[Statement]]:
    """Collect the SELECTs `db` sends while the block runs (from any thread)."""
    seen: list[Statement] = []
    lock = threading.Lock()

    def listener(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            with lock:
                seen.append(Statement(sql, params))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def capture(db: Database, run: Callable[[], object]) -> list[Statement]:
    """The SELECTs `run()` sends to `db`."""
    with capturing(db) as seen:
        run()
    return list(seen)


def driver_connection(db: Database) -> Any:
    """A DB-API connection of the driver itself (sqlite3 / psycopg), set up like the engine's
    (same connect-time tuning), kept for the process like a pooled one."""
    return _checked_out(db).driver_connection


@cache
def _checked_out(db: Database) -> PoolProxiedConnection:
    return db.engine.raw_connection()


def fetch_all(connection: Any, statements: list[Statement]) -> int:
    """Execute each statement on a plain cursor and fetch all rows; returns the row count."""
    rows = 0
    for statement in statements:
        cursor = connection.cursor()
        cursor.execute(statement.sql, statement.params)
        rows += len(cursor.fetchall())
        cursor.close()
    connection.rollback()  # end the read transaction, as a session does
    return rows


def per_call(run: Callable[[], object], min_seconds: float = 0.3, max_calls: int = 200) -> float:
    """Mean seconds of `run()`, called until `min_seconds` have passed (at least once).

    Sub-millisecond operations are timed over many calls, so that the timer's resolution and one
    scheduler hiccup do not decide the figure.
    """
    calls = 0
    started = time.perf_counter()
    while True:
        run()
        calls += 1
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds or calls >= max_calls:
            return elapsed / calls
