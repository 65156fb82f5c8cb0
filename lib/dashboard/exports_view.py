"""Queries behind the Exports page: export jobs with their progress, and packages with the
state of their latest customer link. Bounded (`LIMIT`), newest first."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

import pandas as pd
from sqlalchemy import func, select

from lib.core.db import Database
from lib.core.enums import JobStatus
from lib.core.models import Delivery, Export, Job, Request, utcnow
from lib.dashboard.package_view import package_name

EXPORT_KIND = "export"
ROWS = 100


def export_jobs(db: Database, limit: int = ROWS) -> pd.DataFrame:
    """Export jobs: request, status, progress (0..1), note, who, when, error."""
    query = (
        select(
            Job.id,
            Request.reference,
            Job.status,
            Job.progress_done,
            Job.progress_total,
            Job.progress_note,
            Job.attempts,
            Job.created_by,
            Job.created_at,
            Job.finished_at,
            Job.last_error,
        )
        .outerjoin(Request, Request.id == Job.request_id)
        .where(Job.kind == EXPORT_KIND)
        .order_by(Job.id.desc())
        .limit(limit)
    )
    columns = ["job", "request", "status", "done", "total", "note", "attempts", "by",
               "created_at", "finished_at", "error"]  # fmt: skip
    with db.read() as session:
        frame = pd.DataFrame([tuple(r) for r in session.execute(query)], columns=columns)
    frame["progress"] = [
        1.0 if status == JobStatus.DONE else (done / total if total else 0.0)
        for status, done, total in zip(frame["status"], frame["done"], frame["total"], strict=True)
    ]
    return frame


def active_jobs(db: Database) -> int:
    """Export jobs still queued or running (the page polls while there are any)."""
    query = select(func.count()).where(
        Job.kind == EXPORT_KIND, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])
    )
    with db.read() as session:
        return int(session.scalar(query) or 0)


def delivery_state(
    delivery_id: int | None,
    revoked_at: datetime | None,
    expires_at: datetime | None,
    downloads: int,
    now: datetime,
) -> str:
    """`not delivered`, `revoked`, `expired`, `downloaded N times` or `sent`."""
    if delivery_id is None:
        return "not delivered"
    if revoked_at is not None:
        return "revoked"
    if expires_at is not None and expires_at <= now:
        return "expired"
    if downloads:
        return f"downloaded {downloads} time{'s' if downloads != 1 else ''}"
    return "sent"


T = TypeVar("T")


def _none(value: T) -> T | None:
    return None if value is None or pd.isna(value) else value


def packages(db: Database, limit: int = ROWS) -> pd.DataFrame:
    """Built packages with their request and their latest delivery's state."""
    latest = (
        select(Delivery.export_id, func.max(Delivery.id).label("delivery_id"))
        .group_by(Delivery.export_id)
        .subquery()
    )
    query = (
        select(
            Export.id,
            Request.reference,
            Request.status,
            Export.created_at,
            Export.size_bytes,
            Export.order_count,
            Export.encrypted,
            Export.purged_at,
            Delivery.id,
            Delivery.revoked_at,
            Delivery.expires_at,
            Delivery.downloads,
        )
        .join(Request, Request.id == Export.request_id)
        .outerjoin(latest, latest.c.export_id == Export.id)
        .outerjoin(Delivery, Delivery.id == latest.c.delivery_id)
        .order_by(Export.id.desc())
        .limit(limit)
    )
    columns = ["export", "request", "status", "created_at", "size_bytes", "orders", "encrypted",
               "purged_at", "delivery", "revoked_at", "expires_at", "downloads"]  # fmt: skip
    with db.read() as session:
        frame = pd.DataFrame([tuple(r) for r in session.execute(query)], columns=columns)
    now = utcnow()
    frame["delivery_state"] = [
        delivery_state(_none(d), _none(r), _none(e), int(_none(n) or 0), now)
        for d, r, e, n in zip(
            frame["delivery"],
            frame["revoked_at"],
            frame["expires_at"],
            frame["downloads"],
            strict=True,
        )
    ]
    frame["package"] = [
        package_name(ref, at) for ref, at in zip(frame["request"], frame["created_at"], strict=True)
    ]
    frame["size_kb"] = (frame["size_bytes"] / 1024).round(1)
    frame["on_disk"] = frame["purged_at"].isna()
    frame["link_live"] = [
        state == "sent" or state.startswith("downloaded") for state in frame["delivery_state"]
    ]
    return frame
