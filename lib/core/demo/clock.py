"""Instants as integer microseconds since the epoch (UTC), and their text in the database.

The generator does arithmetic on plain ints (cheap to create and to send); the writer turns them
into the text the database stores, many at a time: SQLAlchemy's SQLite form
'YYYY-MM-DD HH:MM:SS.ffffff', plus '+00' on PostgreSQL (the backend's suffix).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

SEC = 1_000_000
MINUTE, HOUR, DAY = 60 * SEC, 3_600 * SEC, 86_400 * SEC
EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)


def fmt(us: int) -> str:
    """UTC text in SQLAlchemy's SQLite format ('YYYY-MM-DD HH:MM:SS.ffffff', no offset)."""
    return _iso(EPOCH_UTC + timedelta(microseconds=us))


def _iso(value: datetime) -> str:
    """The same for a UTC datetime (aware or naive)."""
    text_value = value.isoformat(" ")
    return text_value[:26] if value.microsecond else text_value[:19] + ".000000"


def texts(instants: list[int], suffix: str) -> list[str]:
    """fmt for many instants at once (numpy formats in C), plus the backend's suffix."""
    formatted = np.datetime_as_string(np.array(instants, dtype="datetime64[us]")).tolist()
    return [t.replace("T", " ", 1) + suffix for t in formatted]
