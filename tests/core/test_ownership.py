"""Owners and merged duplicates in the lifecycle: one audit event each, refusals change nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from lib.core.audit import verify_chain
from lib.core.db import Database
from lib.core.enums import Channel, EventKind, RequestType, Status
from lib.core.lifecycle import LifecycleError, NewRequest, assign_owner, merge, open_request
from lib.core.models import Request, RequestEvent, Store
from tests.helpers.requests import open_test_request

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _open(db: Database, store: Store, channel: Channel, email: str = "ann@example.com") -> int:
    return open_test_request(db, store, email, channel=channel, at=AT)


def _events(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(RequestEvent)) or 0)


def test_assigning_an_owner_writes_one_event_and_a_repeat_is_refused(db: Database, store):
    request_id = _open(db, store, Channel.LOGGED_IN)
    before = _events(db)
    with db.write() as session:
        request = session.get(Request, request_id)
        assign_owner(session, request, actor="boss@shop.test", owner=" Kim@Shop.test ")
    with db.read() as session:
        request = session.get(Request, request_id)
        assert request.owner_email == "kim@shop.test"
        event = session.scalars(select(RequestEvent).order_by(RequestEvent.seq.desc())).first()
        assert (event.kind, event.details) == (
            EventKind.OWNER,
            {"before": None, "after": "kim@shop.test"},
        )
    assert _events(db) == before + 1
    with db.write() as session, pytest.raises(LifecycleError, match="already looked after"):
        assign_owner(
            session, session.get(Request, request_id), actor="x@y.z", owner="kim@shop.test"
        )
    with db.write() as session, pytest.raises(LifecycleError, match="not a staff member"):
        assign_owner(session, session.get(Request, request_id), actor="x@y.z", owner="kim")
    assert _events(db) == before + 1


def test_merge_closes_the_duplicate_keeps_the_survivor_unverified(db: Database, store):
    survivor = _open(db, store, Channel.GUEST)
    duplicate = _open(db, store, Channel.GUEST)
    before = _events(db)
    with db.write() as session:
        dup, into = session.get(Request, duplicate), session.get(Request, survivor)
        merge(session, dup, into, actor="staff@shop.test")
    with db.read() as session:
        dup, into = session.get(Request, duplicate), session.get(Request, survivor)
        assert (dup.status, dup.merged_into_id, dup.closed_at is not None) == (
            Status.CANCELED,
            survivor,
            True,
        )
        assert into.status == Status.PENDING_VERIFICATION and into.verified_at is None
        assert verify_chain(session).ok
    assert _events(db) == before + 1


def test_a_verified_duplicate_is_not_folded_into_an_unverified_request(db: Database, store):
    unverified = _open(db, store, Channel.GUEST)
    verified = _open(db, store, Channel.LOGGED_IN)
    other = _open(db, store, Channel.LOGGED_IN, email="bob@example.com")
    before = _events(db)
    with db.write() as session:
        get = session.get
        with pytest.raises(LifecycleError, match="instead"):
            merge(session, get(Request, verified), get(Request, unverified), actor="s@x.y")
        with pytest.raises(LifecycleError, match="not the same person"):
            merge(session, get(Request, other), get(Request, verified), actor="s@x.y")
        with pytest.raises(LifecycleError, match="into itself"):
            merge(session, get(Request, verified), get(Request, verified), actor="s@x.y")
    with db.read() as session:
        assert session.get(Request, verified).status == Status.VERIFIED
        assert session.get(Request, verified).merged_into_id is None
    assert _events(db) == before


def test_a_staff_request_can_start_pending_verification(db: Database, store):
    new = NewRequest(store=store, type=RequestType.ACCESS, channel=Channel.STAFF, email="c@d.e")
    with db.write() as session:
        request = open_request(
            session, new, actor="s@x.y", at=AT, first=Status.PENDING_VERIFICATION
        )
        assert (request.status, request.verified_at) == (Status.PENDING_VERIFICATION, None)
    new_checked = NewRequest(
        store=store, type=RequestType.ACCESS, channel=Channel.STAFF, email="f@g.h"
    )
    with db.write() as session:
        request = open_request(session, new_checked, actor="s@x.y", at=AT, first_reason="by phone")
        assert request.status == Status.VERIFIED
        event = session.scalars(select(RequestEvent).order_by(RequestEvent.seq.desc())).first()
        assert (event.to_status, event.reason) == (Status.VERIFIED, "by phone")
