"""The register's fixed requests, shared by the report tests and the report benchmark's test."""

from __future__ import annotations

from datetime import UTC, datetime

from lib.core import lifecycle
from lib.core.db import Database
from lib.core.enums import Channel, RejectionCode, RequestType, Status
from lib.core.lifecycle import NewRequest
from tests.helpers.stores import make_store


def at(day: int, hour: int = 9) -> datetime:
    """A fixed instant in March 2026 (UTC)."""
    return datetime(2026, 3, day, hour, 30, tzinfo=UTC)


def seed_report_requests(db: Database) -> Database:
    """Three requests with fixed times: answered, waiting (hostile text), rejected (quotes)."""
    store = make_store(db)
    with db.write() as session:

        def new(channel: Channel, day: int, **kw: object):
            fields = NewRequest(store=store, type=RequestType.ACCESS, channel=channel, **kw)
            return lifecycle.open_request(session, fields, actor="customer", at=at(day))

        done = new(Channel.LOGGED_IN, 2, email="jane@example.com", name="Jane Doe", country="DE")
        lifecycle.transition(session, done, Status.COMPLETED, actor="m", at=at(20, 10))
        new(
            Channel.GUEST,
            5,
            email="-x@example.com",
            name='=HYPERLINK("http://evil","x")',
            country="FR",
        )
        refused = new(
            Channel.STAFF,
            10,
            email="ana@example.com",
            name='Ana "Q", Smith',
            country="US",
            subdivision="CA",
        )
        lifecycle.reject(
            session, refused, actor="c", code=RejectionCode.OTHER, text="@not ours", at=at(12)
        )
    return db
