"""Rate-limit windows at the data layer, on SQLite and PostgreSQL: counting, a new window,
the wait answered, no limit, and concurrent hits on one key never lost."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lib.core.db import Database
from lib.core.models import RateLimitHit
from lib.intake.ratelimit import Limit, hit

T0 = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)


def _hit(db: Database, limit: Limit, at: datetime) -> int | None:
    with db.write() as session:
        return hit(session, limit, at)


def test_counts_within_a_window_then_answers_the_wait(db: Database) -> None:
    limit = Limit("ip:10.0.0.1", 2)
    assert _hit(db, limit, T0) is None
    assert _hit(db, limit, T0 + timedelta(minutes=5)) is None
    assert _hit(db, limit, T0 + timedelta(minutes=10)) == 35 * 60  # window ends at 11:00
    with db.read() as session:
        row = session.scalars(select(RateLimitHit)).one()
    assert (row.key, row.count, row.window_start) == ("ip:10.0.0.1", 3, T0.replace(minute=0))


def test_a_new_window_starts_again_at_one(db: Database) -> None:
    limit = Limit("email:shop:a@example.com", 1)
    assert _hit(db, limit, T0) is None
    assert _hit(db, limit, T0 + timedelta(minutes=1)) is not None
    assert _hit(db, limit, T0 + timedelta(hours=1)) is None
    other = Limit("email:shop:b@example.com", 1)  # keys count apart
    assert _hit(db, other, T0 + timedelta(minutes=2)) is None


def test_count_zero_means_no_limit_and_no_row(db: Database) -> None:
    assert _hit(db, Limit("ip:10.0.0.2", 0), T0) is None
    with db.read() as session:
        assert session.scalars(select(RateLimitHit)).all() == []


def test_concurrent_hits_on_one_key_are_all_counted(db: Database) -> None:
    limit = Limit("ip:10.9.9.9", 1000)
    threads = [
        threading.Thread(target=lambda: [_hit(db, limit, T0) for _ in range(10)]) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with db.read() as session:
        assert session.scalars(select(RateLimitHit.count)).one() == 80
