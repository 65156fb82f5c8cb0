"""Retention: export packages and their download links are deleted when their lifetime is over.

A package lives as long as one of its links could still work, i.e. until the latest link
expires (a revoked or used-up link still counts until its expiry, so the merchant can send a
new link meanwhile). A package that was never delivered lives while its request is open and
`download_link_days` after it closed. Then the file is deleted, its Delivery rows (token
fingerprints and counters) are deleted, the Export row is kept with `purged_at` set (the audit
trail refers to it) and one audit event records what went.

Leftovers that no row will ever claim — work directories and `.part` files of interrupted
builds, packages without a live Export row — are removed once they are a day old. A worker that
dies between the commit and the deletion leaves a purged package on disk; the next run's sweep
deletes it, so the job is safe to run again.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, func, or_, select

from lib.core.audit import SYSTEM_ACTOR, append_event
from lib.core.config import Config
from lib.core.db import Database, rowcount
from lib.core.enums import EventKind
from lib.core.models import Delivery, Export, Request, utcnow
from lib.core.settings import get_setting
from lib.jobs.export_job import WORK_DIR
from lib.jobs.worker import JobContext

PURGE_KIND = "purge_exports"
PURGE_INTERVAL_SECONDS = 3600.0
ORPHAN_AGE_SECONDS = 86_400
BATCH = 200


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """What one run removed."""

    exports: int
    links: int
    orphans: int


def purge_exports_job(ctx: JobContext, config: Config) -> dict[str, Any]:
    """Job handler: purge expired packages and links, then sweep old leftovers."""
    result = purge_exports(ctx.db, config.export_path(), progress=lambda n: ctx.progress(n))
    return {"exports": result.exports, "links": result.links, "orphans": result.orphans}


def _expired(now: datetime, keep_days: int) -> Any:
    last_link = (
        select(func.max(Delivery.expires_at))
        .where(Delivery.export_id == Export.id)
        .scalar_subquery()
    )
    never_delivered = and_(
        last_link.is_(None),
        Request.closed_at.is_not(None),
        Request.closed_at <= now - timedelta(days=keep_days),
    )
    return and_(Export.purged_at.is_(None), or_(last_link <= now, never_delivered))


def purge_exports(
    db: Database,
    folder: Path,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> PurgeResult:
    """Purge every package whose lifetime ended by `now`; returns what was removed."""
    now = now or utcnow()
    exports = links = 0
    while True:
        files: list[Path] = []
        with db.write() as session:
            keep_days = int(get_setting(session, "download_link_days"))
            due = session.scalars(
                select(Export)
                .join(Request, Request.id == Export.request_id)
                .where(_expired(now, keep_days))
                .order_by(Export.id)
                .limit(BATCH)
            ).all()
            for export in due:
                gone = session.execute(delete(Delivery).where(Delivery.export_id == export.id))
                export.purged_at = now
                append_event(
                    session,
                    actor=SYSTEM_ACTOR,
                    kind=EventKind.NOTE,
                    request_id=export.request_id,
                    reason="export package and its download links deleted after their lifetime",
                    details={
                        "export_id": export.id,
                        "file": Path(export.path).name,
                        "links_deleted": rowcount(gone),
                    },
                    at=now,
                )
                links += rowcount(gone)
                files.append(Path(export.path))
        for path in files:  # after the commit: the database never points at a missing file
            path.unlink(missing_ok=True)
        exports += len(due)
        if progress is not None:
            progress(exports)
        if len(due) < BATCH:
            break
    return PurgeResult(exports, links, sweep_leftovers(db, folder, now))


def _age(path: Path, now: datetime) -> float:
    newest = path.stat().st_mtime
    if path.is_dir():
        newest = max([newest, *(p.stat().st_mtime for p in path.rglob("*"))])
    return now.timestamp() - newest


def sweep_leftovers(db: Database, folder: Path, now: datetime | None = None) -> int:
    """Delete work directories, partial files and unclaimed packages older than a day."""
    now = now or utcnow()
    if not folder.is_dir():
        return 0
    with db.read() as session:
        live = {
            Path(p).name
            for p in session.scalars(select(Export.path).where(Export.purged_at.is_(None)))
        }
    candidates = [
        *(p for p in folder.glob("*.zip") if p.name not in live),
        *folder.glob(".*.zip.part"),
        *(folder / WORK_DIR).glob("*"),
    ]
    removed = 0
    for path in candidates:
        try:
            if _age(path, now) < ORPHAN_AGE_SECONDS:
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:  # another worker swept it first
            continue
        removed += 1
    return removed
