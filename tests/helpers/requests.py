"""Requests opened in tests the way the app opens them (`lifecycle.open_request`, one event)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lib.core.db import Database
from lib.core.enums import Channel, RequestType
from lib.core.lifecycle import NewRequest, open_request
from lib.core.models import Store


def open_test_request(
    db: Database,
    store: Store,
    email: str = "ada@example.com",
    *,
    kind: RequestType = RequestType.ACCESS,
    channel: Channel = Channel.LOGGED_IN,
    at: datetime | None = None,
    actor: str = "customer",
    **fields: Any,
) -> int:
    """Open a request of `store` in its own transaction (received `at`, default now); its id.
    `fields` are the other `NewRequest` fields (name, country, customer_id...)."""
    new = NewRequest(store=store, type=kind, channel=channel, email=email, **fields)
    with db.write() as session:
        return open_request(session, new, actor=actor, at=at).id
