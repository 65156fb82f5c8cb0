"""The request lifecycle: the transition table, events, extensions, rejections, pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from lib.core.audit import verify_chain
from lib.core.db import Database
from lib.core.enums import CLOSED_STATUSES, Channel, RejectionCode, RequestType, Status
from lib.core.lifecycle import (
    FIRST_STATUS,
    TRANSITIONS,
    LifecycleError,
    NewRequest,
    add_note,
    extend,
    open_request,
    pause,
    reject,
    resume,
    transition,
)
from lib.core.models import Request, RequestEvent, Store
from tests.helpers.requests import open_test_request

RECEIVED = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)


def _open(db: Database, store: Store, channel: Channel = Channel.GUEST, **kw) -> int:
    kw = {"email": "Ann@Example.com", "country": "DE", **kw}
    return open_test_request(db, store, channel=channel, at=RECEIVED, **kw)


def _events(db: Database, request_id: int) -> list[RequestEvent]:
    with db.read() as session:
        return list(
            session.scalars(
                select(RequestEvent)
                .where(RequestEvent.request_id == request_id)
                .order_by(RequestEvent.seq)
            )
        )


def test_table_covers_every_status_and_closed_states_are_final() -> None:
    assert set(TRANSITIONS) == set(Status)
    for status in CLOSED_STATUSES:
        assert TRANSITIONS[status] == frozenset()
    for status in set(Status) - CLOSED_STATUSES:
        assert TRANSITIONS[status], f"{status} is open but has no way out"


def test_reference_carries_the_year_of_the_stores_own_calendar(db: Database, store: Store) -> None:
    with db.write() as session:
        session.get(Store, store.id).timezone = "Europe/Berlin"
    new_year_in_berlin = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January 2027
    with db.write() as session:
        new = NewRequest(
            store=session.get(Store, store.id),
            type=RequestType.ACCESS,
            channel=Channel.LOGGED_IN,
            email="ann@example.com",
        )
        request = open_request(session, new, actor="customer", at=new_year_in_berlin)
        assert request.reference == f"DSR-2027-{request.id:06d}"


def test_guest_request_waits_for_verification_with_deadlines(db: Database, store: Store) -> None:
    request_id = _open(db, store)
    with db.read() as session:
        request = session.get(Request, request_id)
    assert request.status == Status.PENDING_VERIFICATION
    assert request.reference == f"DSR-2026-{request_id:06d}"
    assert request.email == "ann@example.com"
    assert request.regime == "gdpr"
    assert request.legal_due_on == request.due_on == date(2026, 3, 2)  # worked example 2
    assert request.target_on < request.due_on
    events = _events(db, request_id)
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, "received"),
        ("received", "pending_verification"),
    ]


@pytest.mark.parametrize("channel", [Channel.LOGGED_IN, Channel.WEBHOOK, Channel.STAFF])
def test_authenticated_channels_are_verified_at_once(
    db: Database, store: Store, channel: Channel
) -> None:
    request_id = _open(db, store, channel)
    with db.read() as session:
        request = session.get(Request, request_id)
    assert request.status == FIRST_STATUS[channel] == Status.VERIFIED
    assert request.verified_at == RECEIVED


def test_regime_follows_the_customer(db: Database, store: Store) -> None:
    request_id = _open(db, store, country="US", subdivision="CA")
    with db.read() as session:
        request = session.get(Request, request_id)
    assert request.regime == "ccpa"
    # 10 business days from Saturday 31 January 2026 (CCPA receipt confirmation)
    assert request.confirm_by_on == date(2026, 2, 13)


def test_every_transition_writes_exactly_one_event(db: Database, store: Store) -> None:
    request_id = _open(db, store)
    path = [
        Status.VERIFIED,
        Status.IN_PROGRESS,
        Status.READY_FOR_REVIEW,
        Status.DELIVERED,
        Status.COMPLETED,
    ]
    for step in path:
        with db.write() as session:
            request = session.get(Request, request_id)
            before = session.scalar(select(func.count()).select_from(RequestEvent))
            transition(session, request, step, actor="merchant@shop.test")
            after = session.scalar(select(func.count()).select_from(RequestEvent))
            assert after == before + 1
    events = _events(db, request_id)
    assert [e.to_status for e in events[-5:]] == list(path)
    assert events[-1].actor == "merchant@shop.test"
    with db.read() as session:
        request = session.get(Request, request_id)
        assert request.closed_at is not None and request.responded_at is not None
        assert request.verified_at <= request.responded_at <= request.closed_at
        assert verify_chain(session).ok


def test_illegal_transition_is_refused_and_changes_nothing(db: Database, store: Store) -> None:
    request_id = _open(db, store)
    before = len(_events(db, request_id))
    refused = pytest.raises(LifecycleError, match="from pending_verification to delivered")
    with refused, db.write() as session:
        transition(session, session.get(Request, request_id), Status.DELIVERED, actor="x")
    with db.read() as session:
        assert session.get(Request, request_id).status == Status.PENDING_VERIFICATION
    assert len(_events(db, request_id)) == before


def test_closed_request_cannot_move(db: Database, store: Store) -> None:
    request_id = _open(db, store)
    with db.write() as session:
        transition(session, session.get(Request, request_id), Status.EXPIRED, actor="system")
    with pytest.raises(LifecycleError, match="none \\(it is closed\\)"), db.write() as session:
        transition(session, session.get(Request, request_id), Status.VERIFIED, actor="x")


def _extend(db: Database, request_id: int, reason: str, at: datetime) -> None:
    """Staff ("c") extend the request's deadline at `at`, in its own transaction."""
    with db.write() as session:
        extend(
            session,
            session.get_one(Request, request_id),
            actor="c",
            reason=reason,
            store_timezone="UTC",
            at=at,
        )


def test_extension_once_with_reason_before_the_deadline(db: Database, store: Store) -> None:
    request_id = _open(db, store, Channel.LOGGED_IN)
    notice = RECEIVED + timedelta(days=10)
    with pytest.raises(LifecycleError, match="needs a reason"):
        _extend(db, request_id, "  ", notice)
    _extend(db, request_id, "Many systems to search", notice)
    with db.read() as session:
        request = session.get(Request, request_id)
        assert request.extended_due_on == request.due_on == date(2026, 4, 30)
        assert request.legal_due_on == date(2026, 3, 2)
    with pytest.raises(LifecycleError, match="already extended"):
        _extend(db, request_id, "again", notice)
    event = _events(db, request_id)[-1]
    assert event.kind == "extended" and event.details["notice_on"] == "2026-02-10"


def test_extension_after_the_deadline_is_refused(db: Database, store: Store) -> None:
    request_id = _open(db, store, Channel.LOGGED_IN)
    late = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    with pytest.raises(LifecycleError, match="has passed"):
        _extend(db, request_id, "late", late)
    with db.read() as session:
        assert session.get(Request, request_id).extended_due_on is None


def test_regime_without_extension_refuses(db: Database, store: Store) -> None:
    request_id = _open(db, store, Channel.LOGGED_IN, country="BR")
    with pytest.raises(LifecycleError, match="allows no extension"):
        _extend(db, request_id, "r", RECEIVED)


def test_rejection_needs_a_known_code_and_other_needs_text(db: Database, store: Store) -> None:
    request_id = _open(db, store)
    with pytest.raises(LifecycleError, match="unknown rejection code"), db.write() as session:
        reject(session, session.get(Request, request_id), actor="c", code="because")
    with pytest.raises(LifecycleError, match="needs an explanation"), db.write() as session:
        reject(session, session.get(Request, request_id), actor="c", code="other")
    with db.write() as session:
        reject(
            session,
            session.get(Request, request_id),
            actor="c",
            code=RejectionCode.IDENTITY_NOT_VERIFIED,
        )
    with db.read() as session:
        request = session.get(Request, request_id)
        assert request.status == Status.REJECTED
        assert request.rejection_code == "identity_not_verified"
        assert request.closed_at is not None


def test_notes_go_on_the_timeline(db: Database, store: Store) -> None:
    request_id = _open(db, store)
    with db.write() as session:
        add_note(session, session.get(Request, request_id), actor="m", text="Called the customer")
    assert _events(db, request_id)[-1].reason == "Called the customer"
    with pytest.raises(LifecycleError), db.write() as session:
        add_note(session, session.get(Request, request_id), actor="m", text=" ")


def test_uk_clock_stop_pushes_the_deadline(db: Database, store: Store) -> None:
    request_id = _open(db, store, Channel.LOGGED_IN, country="GB")
    with db.read() as session:
        original = session.get(Request, request_id).due_on
    with db.write() as session:
        pause(
            session,
            session.get(Request, request_id),
            actor="c",
            reason="asked for ID",
            at=RECEIVED + timedelta(days=2),
        )
    with pytest.raises(LifecycleError, match="already stopped"), db.write() as session:
        pause(session, session.get(Request, request_id), actor="c", reason="again")
    with db.write() as session:
        resume(
            session,
            session.get(Request, request_id),
            actor="c",
            store_timezone="UTC",
            at=RECEIVED + timedelta(days=12),
        )
    with db.read() as session:
        request = session.get(Request, request_id)
    assert request.paused_days == 10
    assert request.due_on > original
    assert request.legal_due_on == original


def test_work_before_the_events_sees_the_stored_request_and_no_event_yet(
    db: Database, store: Store
) -> None:
    """`before_events` (the intake queues mails there) runs before the chain is extended."""
    seen: list[tuple[str | None, str, int, int]] = []

    def before(request: Request) -> None:
        session = object_session(request)
        assert session is not None
        stored = session.scalar(select(Request.status).where(Request.id == request.id))
        events = session.scalar(select(func.count()).select_from(RequestEvent))
        seen.append((request.reference, stored, events, request.id))

    new = NewRequest(store=store, type=RequestType.ACCESS, channel=Channel.GUEST, email="a@b.c")
    with db.write() as session:
        request = open_request(session, new, actor="customer", at=RECEIVED, before_events=before)
    [(reference, stored, events, request_id)] = seen
    assert request_id == request.id and reference == request.reference
    assert stored == Status.PENDING_VERIFICATION and events == 0
    assert [e.to_status for e in _events(db, request.id)] == ["received", "pending_verification"]
    with db.read() as session:
        assert verify_chain(session).ok
