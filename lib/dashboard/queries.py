"""SQL aggregates for the dashboard, returned as small DataFrames (never one row per request)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from lib.core.db import Database
from lib.core.enums import Status
from lib.core.models import Request

STATUS_ORDER: tuple[str, ...] = tuple(s.value for s in Status)


def status_counts(db: Database, store_id: int | None = None) -> pd.DataFrame:
    """Requests per status, every status present (zero when none), in lifecycle order."""
    query = select(Request.status, func.count()).group_by(Request.status)
    if store_id is not None:
        query = query.where(Request.store_id == store_id)
    with db.read() as session:
        counts = dict(session.execute(query).tuples().all())
    return pd.DataFrame(
        {"status": list(STATUS_ORDER), "requests": [counts.get(s, 0) for s in STATUS_ORDER]}
    )
