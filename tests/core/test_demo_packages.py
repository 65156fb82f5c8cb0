"""Demo data agrees with itself: every access request that reached review has the export job
and package that got it there, every delivered one its download link, every download counted."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from lib.core.audit import CUSTOMER_ACTOR
from lib.core.db import Database
from lib.core.demo import seed_demo
from lib.core.enums import JobStatus
from lib.core.models import Delivery, Export, Job, Request, RequestEvent

NOW = datetime(2026, 6, 15, 10, 30, tzinfo=UTC)


def _reached(session, status: str) -> set[int]:
    return set(
        session.scalars(select(RequestEvent.request_id).where(RequestEvent.to_status == status))
    )


def test_every_reviewed_request_has_its_export_delivery_and_download(db: Database):
    seed_demo(db, requests=1_500, seed=3, now=NOW, progress=False, parallel=False)
    with db.read() as session:
        reviewed, delivered = _reached(session, "ready_for_review"), _reached(session, "delivered")
        exports = dict(session.execute(select(Export.request_id, Export.id)).tuples().all())
        assert reviewed and set(exports) == reviewed
        jobs = session.execute(select(Job.request_id, Job.status, Job.kind)).all()
        assert {r for r, _s, _k in jobs} == reviewed
        assert {(s, k) for _r, s, k in jobs} == {(JobStatus.DONE, "export")}
        links = dict(session.execute(select(Delivery.export_id, Delivery.downloads)).tuples().all())
        assert set(links) == {exports[r] for r in delivered}
        downloaded = (
            set(
                session.scalars(
                    select(RequestEvent.request_id).where(
                        RequestEvent.to_status == "completed", RequestEvent.actor == CUSTOMER_ACTOR
                    )
                )
            )
            & delivered
        )
        assert {r for r in delivered if links[exports[r]] == 1} == downloaded
        purged = session.scalar(
            select(func.count())
            .select_from(Export)
            .join(Request, Request.id == Export.request_id)
            .where(Request.closed_at.is_not(None), Export.purged_at.is_(None))
        )
        assert purged == 0  # closed requests' packages are gone, as retention would have it
