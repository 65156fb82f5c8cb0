"""Fixed-window rate limits kept in the database, so that every intake replica shares them.

One upsert per key and attempt (`INSERT … ON CONFLICT DO UPDATE … RETURNING`), atomic on SQLite
and PostgreSQL alike: two replicas counting the same key at once never lose a hit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lib.core.models import RateLimitHit, utcnow

WINDOW_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` attempts per `window_s` seconds for one key (count 0: no limit)."""

    key: str
    count: int
    window_s: int = WINDOW_SECONDS


def window_start(at: datetime, window_s: int) -> datetime:
    """The start of the fixed window holding `at` (windows are aligned to the epoch)."""
    seconds = math.floor(at.timestamp() / window_s) * window_s
    return datetime.fromtimestamp(seconds, UTC)


def hit(session: Session, limit: Limit, now: datetime | None = None) -> int | None:
    """Count one attempt; return None when allowed, else the seconds until the window ends."""
    if limit.count <= 0:
        return None
    now = now or utcnow()
    start = window_start(now, limit.window_s)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(RateLimitHit).values(key=limit.key, window_start=start, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=[RateLimitHit.key],
        set_={
            "count": case((RateLimitHit.window_start == start, RateLimitHit.count + 1), else_=1),
            "window_start": start,
        },
    ).returning(RateLimitHit.count)
    count = session.execute(statement).scalar_one()
    if count <= limit.count:
        return None
    ends = start + timedelta(seconds=limit.window_s)
    return max(1, math.ceil((ends - now).total_seconds()))
