"""The Requests page query the `requests_page` benchmark measures: built as plain columns, so a
request without a name is masked to "" (pandas would have turned the None into NaN first)."""

from __future__ import annotations

from datetime import timedelta

from lib.core import lifecycle
from lib.core.db import Database
from lib.core.enums import Channel, RequestType
from lib.core.lifecycle import NewRequest
from lib.core.models import Store, utcnow
from lib.dashboard.worklist import RequestQuery, request_page


def test_masked_page_with_a_nameless_guest(db: Database, store: Store) -> None:
    now = utcnow()
    with db.write() as session:
        for i, name in enumerate(("Jane Doe", None)):
            lifecycle.open_request(
                session,
                NewRequest(
                    store=store,
                    type=RequestType.ACCESS,
                    channel=Channel.GUEST,
                    email=f"guest{i}@example.com",
                    name=name,
                ),
                actor="customer",
                at=now - timedelta(days=i),
            )
    query = RequestQuery(types=("access",), sort="newest", today=now.date())
    masked = request_page(db, query, masked=True)
    assert list(masked["name"]) == ["J. D•••", ""]
    assert list(masked["email"]) == ["g•••@e•••.com", "g•••@e•••.com"]
    plain = request_page(db, query, masked=False)
    assert list(plain["email"]) == ["guest0@example.com", "guest1@example.com"]
    assert list(plain.columns) == [
        "id", "reference", "received_at", "type", "channel", "regime", "status", "email", "name",
        "due_on", "owner_email", "days_left",
    ]  # fmt: skip
    assert all(days is not None for days in plain["days_left"])
