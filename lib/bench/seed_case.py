"""Seeding case: `seed_demo` writing a fixed batch of requests into a fresh database, against
`executemany` of exactly the rows it wrote through the driver's cursor.

The seeder is deterministic for (seed, now, what the database held): the baseline seeds a
scratch database once with the same pinned clock, reads every row back (in the database's
text forms) and times only inserting them into another fresh database.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import func, select

from lib.bench.cases import Case, Sample, Target
from lib.bench.scratch import migrated_database
from lib.core.db import Database
from lib.core.models import Base

BATCH_MAX = 50_000
SEED_NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
TABLES = (
    "stores",
    "settings",
    "setting_changes",
    "demo_customers",
    "demo_orders",
    "demo_line_items",
    "requests",
    "request_events",
)
"""Every table the seeder fills, parents first; `audit_head` is moved, not filled."""

MOVE_HEAD = {
    True: "UPDATE audit_head SET seq = ?, hash = ?",
    False: "UPDATE audit_head SET seq = %s, hash = %s",
}
"""By `is_sqlite`: the driver's parameter style."""

Rows = dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]


def batch(target: Target) -> int:
    """Requests seeded per repetition: the size, at most BATCH_MAX."""
    return min(target.n, BATCH_MAX)


def seed(target: Target) -> Sample:
    """`seed_demo` (store data, requests, sealed audit events) into a fresh database."""
    from lib.core.demo import seed_demo

    count = batch(target)
    with migrated_database(target, "seed_measured") as db:
        started = time.perf_counter()
        seed_demo(db, requests=count, progress=False, now=SEED_NOW)
        seconds = time.perf_counter() - started
        rows = _count(db)
    return Sample(
        seconds,
        {
            "requests": count,
            "rows": rows,
            "requests_per_s": round(count / seconds),
            "note": f"{count / seconds:,.0f} requests/s ({rows / seconds:,.0f} rows/s)",
        },
    )


def _count(db: Database) -> int:
    """Rows in the seeded tables."""
    with db.read() as session:
        return sum(
            session.scalar(select(func.count()).select_from(Base.metadata.tables[table])) or 0
            for table in TABLES
        )


def _read(db: Database) -> Rows:
    """Every seeded row; on PostgreSQL as text, which the server casts back on insert."""
    fairy = db.engine.raw_connection()
    try:
        driver = fairy.driver_connection
        assert driver is not None  # a pooled connection just taken is open
        cursor = driver.cursor()
        rows: Rows = {}
        for table in (*TABLES, "audit_head"):
            columns = tuple(c.name for c in Base.metadata.tables[table].columns)
            cast = "" if db.is_sqlite else "::text"
            names = ", ".join(f"{c}{cast}" for c in columns)
            cursor.execute(f"SELECT {names} FROM {table}")  # noqa: S608 - names from metadata
            rows[table] = (columns, cursor.fetchall())
        driver.rollback()
        return rows
    finally:
        fairy.close()


@cache
def _seeded_rows(target_json: str) -> Rows:
    from lib.core.demo import seed_demo

    target = Target.from_json(target_json)
    with migrated_database(target, "seed_source") as db:
        seed_demo(db, requests=batch(target), progress=False, now=SEED_NOW)
        return _read(db)


def executemany(target: Target) -> Sample:
    """The same rows inserted with one `executemany` per table, in one transaction."""
    rows = _seeded_rows(target.to_json())
    with migrated_database(target, "seed_baseline") as db:
        mark = "?" if db.is_sqlite else "%s"
        fairy = db.engine.raw_connection()
        try:
            connection = fairy.driver_connection
            assert connection is not None  # a pooled connection just taken is open
            cursor = connection.cursor()
            started = time.perf_counter()
            if db.is_sqlite:
                cursor.execute("BEGIN")
            for table in TABLES:
                columns, values = rows[table]
                marks = ", ".join(mark for _c in columns)
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, values)
            (_id, seq, digest), *_ = rows["audit_head"][1]
            cursor.execute(MOVE_HEAD[db.is_sqlite], (seq, digest))
            connection.commit()
            seconds = time.perf_counter() - started
        finally:
            fairy.close()
    return Sample(seconds, {"rows": sum(len(rows[table][1]) for table in TABLES)})


CASES = (
    Case(
        "seed",
        f"demo seeding of min(n, {BATCH_MAX:,}) requests into a fresh database",
        seed,
        executemany,
        "executemany of the same rows through the driver's cursor, one transaction",
        needs_seed=False,
    ),
)
