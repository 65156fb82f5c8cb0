"""The database layer on SQLite and PostgreSQL: tuning, write locks, time zones, errors."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
from collections import deque
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, select, text

from lib.core.config import PROJECT_ROOT
from lib.core.db import Database, DatabaseUnavailable, normalise_url
from lib.core.migrate import is_current, upgrade
from lib.core.models import Job, Request, Setting
from tests.helpers.stores import make_store

EXPECTED_TABLES = {
    "stores",
    "customers",
    "requests",
    "request_events",
    "audit_head",
    "settings",
    "setting_changes",
    "outbox",
    "jobs",
    "exports",
    "deliveries",
    "webhook_receipts",
    "used_tokens",
    "staff_roles",
    "rate_limits",
    "demo_customers",
    "demo_orders",
    "demo_line_items",
}


def test_migrations_create_every_table_and_are_idempotent(db: Database) -> None:
    assert set(inspect(db.engine).get_table_names()) >= EXPECTED_TABLES
    assert is_current(db)
    upgrade(db)  # a second run changes nothing and does not fail
    assert is_current(db)


def test_open_requests_index_is_partial(db: Database) -> None:
    indexes = {ix["name"]: ix for ix in inspect(db.engine).get_indexes("requests")}
    assert "ix_requests_open_due" in indexes
    for name in ("ix_requests_received_at", "ix_requests_status", "ix_requests_email"):
        assert name in indexes
    with db.read() as session:
        if db.is_sqlite:
            sql = session.scalar(
                text("SELECT sql FROM sqlite_master WHERE name = 'ix_requests_open_due'")
            )
        else:
            sql = session.scalar(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_requests_open_due'")
            )
    assert "closed_at IS NULL" in sql


def test_open_by_due_query_uses_the_partial_index(db: Database) -> None:
    query = "SELECT id FROM requests WHERE closed_at IS NULL ORDER BY due_on LIMIT 100"
    with db.read() as session:
        if db.is_sqlite:
            plan = " ".join(str(r) for r in session.execute(text(f"EXPLAIN QUERY PLAN {query}")))
        else:
            session.execute(text("SET enable_seqscan = off"))
            plan = " ".join(str(r) for r in session.execute(text(f"EXPLAIN {query}")))
    assert "ix_requests_open_due" in plan


def test_sqlite_is_tuned(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(Exception, match=r"(?i)foreign key"), db.write() as session:
        session.add(Job(kind="export", request_id=999_999, payload={}))


def test_instants_come_back_as_the_same_utc_moment(db: Database) -> None:
    store = make_store(db)
    berlin = timezone(timedelta(hours=1))
    at = datetime(2026, 3, 1, 0, 30, 15, 123456, tzinfo=berlin)
    with db.write() as session:
        session.add(
            Request(
                store_id=store.id,
                type="access",
                channel="guest",
                status="received",
                regime="gdpr",
                email="a@example.com",
                received_at=at,
                due_on=date(2026, 4, 1),
                legal_due_on=date(2026, 4, 1),
                target_on=date(2026, 3, 20),
            )
        )
    with db.read() as session:
        stored = session.scalars(select(Request.received_at)).one()
    assert stored == at
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored.astimezone(UTC).hour == 23


def test_write_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError), db.write() as session:
        session.add(Setting(key="guest_support", value="false", updated_by="t"))
        session.flush()
        raise RuntimeError("boom")
    with db.read() as session:
        assert session.get(Setting, "guest_support") is None


def test_sqlite_writers_queue_instead_of_failing(sqlite_db: Database) -> None:
    """Two threads writing at once: BEGIN IMMEDIATE makes the second wait, not fail."""
    make_store(sqlite_db)
    errors: list[BaseException] = []
    inside = threading.Event()

    def slow_writer() -> None:
        try:
            with sqlite_db.write() as session:
                session.add(Setting(key="a", value="1", updated_by="t"))
                session.flush()
                inside.set()
                threading.Event().wait(0.3)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=slow_writer)
    thread.start()
    inside.wait(5)
    with sqlite_db.write() as session:  # must block until the first commits, then succeed
        assert session.get(Setting, "a") is not None
        session.add(Setting(key="b", value="2", updated_by="t"))
    thread.join()
    assert not errors


def test_unreachable_database_is_one_clear_line() -> None:
    db = Database("postgresql://nobody:secret@127.0.0.1:1/none")
    with pytest.raises(DatabaseUnavailable) as caught:
        db.check()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("cannot reach the database at postgresql+psycopg://nobody:***@")
    assert "secret" not in message


def test_relative_sqlite_paths_resolve_inside_the_project(tmp_path) -> None:
    url = normalise_url("sqlite:///data/privacy_desk.db")
    assert url.endswith("/data/privacy_desk.db") and url.startswith("sqlite:////")
    assert normalise_url("postgresql://u@h/d").startswith("postgresql+psycopg://")


_HOLDER = """
import sys
from lib.core.db import Database
from lib.core.models import Setting
db = Database(sys.argv[1])
with db.write() as session:
    session.add(Setting(key="held", value="1", updated_by="child"))
    session.flush()
    print("inside", flush=True)
    sys.stdin.readline()
print("committed", flush=True)
"""


def _holder(db: Database) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, db.url],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "inside"
    return child


def _writer_lock_is_free(db: Database) -> bool:
    fd = os.open(f"{db.engine.url.database}-writer.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops a lock taken here
    return True


def test_sqlite_writers_of_other_processes_queue_on_the_writer_lock(sqlite_db: Database) -> None:
    """Another process inside `write()` holds the file lock; ours waits for it, then goes in."""
    child = _holder(sqlite_db)
    try:
        assert not _writer_lock_is_free(sqlite_db)
        entered = threading.Event()

        def write() -> None:
            with sqlite_db.write() as session:
                entered.set()
                assert session.get(Setting, "held") is not None

        thread = threading.Thread(target=write)
        thread.start()
        assert not entered.wait(0.5)  # queued behind the other process
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "committed"
        assert entered.wait(10)
        thread.join()
    finally:
        child.kill()
        child.wait()
    assert _writer_lock_is_free(sqlite_db)


def test_a_writer_killed_inside_write_leaves_no_lock_behind(sqlite_db: Database) -> None:
    child = _holder(sqlite_db)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert _writer_lock_is_free(sqlite_db)
    with sqlite_db.write() as session:  # neither the file lock nor SQLite's is left held
        assert session.get(Setting, "held") is None  # its transaction was never committed


class _Announcing(deque[threading.Lock]):
    """The write queue's waiters, setting `queued` when one joins (instead of sleeping on it)."""

    def __init__(self, queued: threading.Event) -> None:
        super().__init__()
        self.queued = queued

    def append(self, turn: threading.Lock) -> None:
        super().append(turn)
        self.queued.set()


def test_a_waiting_writer_is_not_overtaken_by_a_busy_one(sqlite_db: Database) -> None:
    """The write turn goes to whoever waited first: a thread that keeps writing cannot jump.

    (With `threading.RLock` the busy thread took the turn again in about one round in three.)
    """
    for _round in range(5):
        order: list[str] = []
        first_turn, queued = threading.Event(), threading.Event()
        sqlite_db._sqlite_writers._threads._waiters = _Announcing(queued)

        def waiter(order: list[str] = order, first_turn: threading.Event = first_turn) -> None:
            first_turn.wait(10)
            with sqlite_db.write():
                order.append("waiter")

        thread = threading.Thread(target=waiter)
        thread.start()
        for turn in range(30):
            with sqlite_db.write():
                if turn == 0:
                    first_turn.set()
                    assert queued.wait(10)  # the waiter is in the write queue
                order.append("busy")
        thread.join(10)
        assert order.index("waiter") == 1
