"""Fixed-window rate limits kept in the database, so that every intake replica shares them, and
the client address they count.

One upsert per key and attempt (`INSERT … ON CONFLICT DO UPDATE … RETURNING`), atomic on SQLite
and PostgreSQL alike: two replicas counting the same key at once never lose a hit. The upsert is
one textual statement (the same SQL on both databases) because SQLAlchemy never caches the
compiled form of its dialect `insert().on_conflict_*()` constructs: compiling them cost every
submission ~1 ms per limit inside its write transaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, bindparam, text
from sqlalchemy.orm import Session

from lib.core.models import UTCDateTime, utcnow

WINDOW_SECONDS = 3600
_UPSERT = text(
    'INSERT INTO rate_limits ("key", window_start, count) VALUES (:key, :start, 1) '
    'ON CONFLICT ("key") DO UPDATE SET '
    "count = CASE WHEN rate_limits.window_start = :start THEN rate_limits.count + 1 ELSE 1 END, "
    "window_start = :start "
    "RETURNING count"
).bindparams(bindparam("key", type_=String()), bindparam("start", type_=UTCDateTime()))
"""Count one attempt in the key's current window (a new window starts again at 1)."""


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` attempts per `window_s` seconds for one key (count 0: no limit)."""

    key: str
    count: int
    window_s: int = WINDOW_SECONDS


def client_address(peer: str | None, forwarded_for: str, trusted_hops: int) -> str:
    """The visitor's address: the TCP peer, or behind `trusted_hops` proxies the address the
    outermost of them saw.

    Every proxy appends the address it received the request from to X-Forwarded-For, after
    whatever the client wrote there itself; only the `trusted_hops`-th entry from the right was
    written by a proxy we trust. With fewer entries the request did not come through them all,
    and the peer is what we know.
    """
    if trusted_hops > 0:
        entries = [entry.strip() for entry in forwarded_for.split(",")] if forwarded_for else []
        if len(entries) >= trusted_hops and entries[-trusted_hops]:
            return entries[-trusted_hops][:64]
    return peer or "unknown"


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
    count = session.execute(_UPSERT, {"key": limit.key, "start": start}).scalar_one()
    if count <= limit.count:
        return None
    ends = start + timedelta(seconds=limit.window_s)
    return max(1, math.ceil((ends - now).total_seconds()))
