"""The hash-chained audit trail: appends, verification, tampering of every kind."""

from __future__ import annotations

import threading
from itertools import pairwise

from sqlalchemy import delete, func, select, text, update

from lib.core.audit import GENESIS_HASH, append_event, verify_chain
from lib.core.db import Database
from lib.core.models import AuditHead, RequestEvent


def _append(db: Database, count: int) -> None:
    for i in range(count):
        with db.write() as session:
            append_event(
                session,
                actor="tester",
                kind="note",
                reason=f"note {i}",
                details={"i": i, "text": "ünïcødé ✓"},
            )


def test_events_link_into_one_chain(db: Database) -> None:
    _append(db, 5)
    with db.read() as session:
        events = session.scalars(select(RequestEvent).order_by(RequestEvent.seq)).all()
        report = verify_chain(session)
        head = session.get(AuditHead, 1)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.hash for a, b in pairwise(events))
    assert (head.seq, head.hash) == (5, events[-1].hash)
    assert report.ok and report.checked == 5


def test_empty_chain_is_intact(db: Database) -> None:
    with db.read() as session:
        assert verify_chain(session).ok


def test_edited_event_is_named(db: Database) -> None:
    _append(db, 6)
    with db.write() as session:
        session.execute(update(RequestEvent).where(RequestEvent.seq == 4).values(reason="edited"))
    with db.read() as session:
        report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == 4
    assert "altered" in report.summary()


def test_edited_hash_breaks_the_next_link(db: Database) -> None:
    _append(db, 4)
    with db.write() as session:
        session.execute(update(RequestEvent).where(RequestEvent.seq == 2).values(hash="f" * 64))
    with db.read() as session:
        report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == 2


def test_removed_middle_event_is_named(db: Database) -> None:
    _append(db, 5)
    with db.write() as session:
        session.execute(delete(RequestEvent).where(RequestEvent.seq == 3))
    with db.read() as session:
        report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == 3 and "missing" in report.problem


def test_removed_last_event_is_caught_by_the_tip(db: Database) -> None:
    _append(db, 5)
    with db.write() as session:
        session.execute(delete(RequestEvent).where(RequestEvent.seq == 5))
    with db.read() as session:
        report = verify_chain(session)
    assert not report.ok and report.first_bad_seq == 5


def test_concurrent_appends_never_fork_the_chain(db: Database) -> None:
    """Four threads append at once; the chain stays one line (row lock / write lock)."""
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            _append(db, 10)
        except BaseException as exc:  # pragma: no cover - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(RequestEvent)) == 40
        assert verify_chain(session).ok
        assert session.scalar(text("SELECT seq FROM audit_head")) == 40
