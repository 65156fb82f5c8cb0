"""The hash-chained audit trail: appends, verification, tampering of every kind."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, text, update

from lib.core.audit import (
    GENESIS_HASH,
    NewEvent,
    append_event,
    append_events,
    event_hash,
    verify_chain,
)
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


def test_several_events_of_one_change_extend_the_chain_in_order(db: Database) -> None:
    with db.write() as session:
        links = append_events(
            session,
            [
                NewEvent("tester", "note", reason="first"),
                NewEvent("tester", "note", reason="second", details={"n": 2}),
                NewEvent("tester", "note", reason="third"),
            ],
        )
        assert append_events(session, []) == []
    with db.read() as session:
        events = session.scalars(select(RequestEvent).order_by(RequestEvent.seq)).all()
        assert verify_chain(session).ok
    assert [(link.seq, link.hash) for link in links] == [(e.seq, e.hash) for e in events]
    assert [e.reason for e in events] == ["first", "second", "third"]
    assert events[1].details == {"n": 2}


# Hashes recorded with the first implementation (json.dumps per call, strftime): a change in the
# canonical form would break every chain already stored, so it must fail here first.
RECORDED: list[tuple[tuple[Any, ...], str]] = [
    (
        (
            1,
            "0" * 64,
            None,
            datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
            "system",
            "setting",
            None,
            None,
            None,
            {"key": "guest_support", "old": True, "new": False},
        ),
        "74eda8597edae0ee2f685dbca345e0d203e4cf86c22699ad136d2afeb9e558e3",
    ),
    (
        (
            2,
            "a" * 64,
            17,
            datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=2))),
            "customer",
            "transition",
            None,
            "received",
            None,
            {"channel": "guest", "type": "access", "regime": "gdpr"},
        ),
        "8774bf1b7d7b3569218c8f69585f6e5aad96a9b6a5d9ddb653731fde3cd85305",
    ),
    (
        (
            3,
            "b" * 64,
            17,
            datetime(2026, 3, 29, 1, 30, 0, 0),
            "customer",
            "transition",
            "received",
            "pending_verification",
            None,
            None,
        ),
        "1ef26a8e0ad6e85f59850d1cc986de4f1d1a7e556e3f23ec3ac8ca038bdb8c93",
    ),
    (
        (
            123456789,
            "c" * 64,
            2**40,
            datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
            "jürgen@例え.jp",
            "note",
            None,
            None,
            'Ünïcødé ✓ "quotes" \\ \n\t\u2028 😀',
            {
                "z": [1, 2.5, None, True],
                "a": {"nested": "ü", "b": 1},
                "d": date(2026, 5, 1),
                "n": Decimal("1.10"),
            },
        ),
        "bb9901a56e96f2881f947f1cae6cc088262cffafa9f6ab92d37d315655954f2d",
    ),
    (
        (
            5,
            "d" * 64,
            9,
            datetime(812, 7, 1, 0, 0, 0, tzinfo=UTC),
            "staff:ana",
            "extension",
            "verified",
            "verified",
            "Many orders",
            {},
        ),
        "20161cda8562cb23ba8f55790c4f9652f008c59e092005671186692e9de48175",
    ),
    (
        (
            6,
            "e" * 64,
            None,
            datetime(2026, 11, 29, 3, 0, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
            "",
            "download",
            None,
            None,
            "",
            {"link": 1, "big": 10**30, "neg": -0.0, "inf": float("inf")},
        ),
        "7473295b2d05a91016989249b5509dd1a0295252ffe877b498ac38e9c3060df6",
    ),
]


@pytest.mark.parametrize(("fields", "expected"), RECORDED)
def test_event_hash_matches_recorded_hashes(fields: tuple[Any, ...], expected: str) -> None:
    assert event_hash(*fields) == expected


def _first_event_hash(*fields: Any) -> str:
    """The first implementation, kept as the oracle for the faster one."""
    seq, prev_hash, request_id, at, actor, kind, from_status, to_status, reason, details = fields
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    canonical = json.dumps(
        [
            seq,
            prev_hash,
            request_id,
            at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            actor,
            kind,
            from_status,
            to_status,
            reason,
            details,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300)
@given(
    seq=st.integers(1, 2**62),
    request_id=st.none() | st.integers(1, 2**62),
    at=st.datetimes(timezones=st.none() | st.timezones()),
    actor=st.text(),
    reason=st.none() | st.text(),
    details=st.none() | st.dictionaries(st.text(), _json | st.dates(), max_size=4),
)
def test_event_hash_is_byte_identical_to_the_first_implementation(
    seq: int,
    request_id: int | None,
    at: datetime,
    actor: str,
    reason: str | None,
    details: dict[str, Any] | None,
) -> None:
    fields = (seq, "f" * 64, request_id, at, actor, "note", "verified", None, reason, details)
    assert event_hash(*fields) == _first_event_hash(*fields)
