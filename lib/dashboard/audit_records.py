"""Queries behind the Audit log page: events newest first, one bounded page (`LIMIT`), filtered
in SQL by kind, actor, request and days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import select

from lib.core.db import Database
from lib.core.models import Request, RequestEvent
from lib.dashboard import labels

PAGE_ROWS = 200


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """The audit log's filters; empty means all."""

    kind: str = ""
    actor: str = ""
    reference: str = ""
    start: date | None = None
    end: date | None = None


def audit_log(db: Database, f: AuditFilter, limit: int = PAGE_ROWS) -> pd.DataFrame:
    """The latest audit events matching `f`, newest first."""
    query = (
        select(
            RequestEvent.seq,
            RequestEvent.at,
            RequestEvent.actor,
            RequestEvent.kind,
            Request.reference,
            RequestEvent.from_status,
            RequestEvent.to_status,
            RequestEvent.reason,
            RequestEvent.details,
        )
        .outerjoin(Request, Request.id == RequestEvent.request_id)
        .order_by(RequestEvent.seq.desc())
        .limit(limit)
    )
    if f.kind:
        query = query.where(RequestEvent.kind == f.kind)
    if f.actor.strip():
        query = query.where(RequestEvent.actor == f.actor.strip().lower())
    if f.reference.strip():
        query = query.where(Request.reference == f.reference.strip().upper())
    if f.start:
        query = query.where(RequestEvent.at >= datetime.combine(f.start, time(), UTC))
    if f.end:
        query = query.where(
            RequestEvent.at < datetime.combine(f.end + timedelta(days=1), time(), UTC)
        )
    columns = ["seq", "at", "actor", "kind", "request", "from", "to", "reason", "details"]
    with db.read() as session:
        rows = [tuple(r) for r in session.execute(query)]
    frame = pd.DataFrame(rows, columns=columns)
    frame["details"] = frame["details"].map(labels.details)
    return frame
