"""Requests opened in tests the way the app opens them (`lifecycle.open_request`, one event)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lib.core.db import Database
from lib.core.enums import Channel, RequestType
from lib.core.lifecycle import NewRequest, open_request
from lib.core.models import CorrectionAsk, Request, Store


def open_test_request(
    db: Database, store: Store, email: str = "ada@example.com", **options: Any
) -> int:
    """`open_test_row`'s id: the request opened in its own transaction."""
    return open_test_row(db, store, email, **options).id


def open_test_row(
    db: Database,
    store: Store,
    email: str = "ada@example.com",
    *,
    kind: RequestType = RequestType.ACCESS,
    channel: Channel = Channel.LOGGED_IN,
    at: datetime | None = None,
    actor: str = "customer",
    asks: tuple[str, dict[str, str]] | None = None,
    **fields: Any,
) -> Request:
    """Open a request of `store` in its own transaction (received `at`, default now) and return
    its row (detached, loaded). `fields` are the other `NewRequest` fields (name, country,
    customer_id...); `asks` = (statement, fields) records what a correction asks to change."""
    with db.write() as session:
        owner = session.get_one(Store, store.id)
        new = NewRequest(store=owner, type=kind, channel=channel, email=email, **fields)
        request = open_request(session, new, actor=actor, at=at)
        if asks is not None:
            statement, asked = asks
            session.add(CorrectionAsk(request_id=request.id, statement=statement, fields=asked))
        return request
