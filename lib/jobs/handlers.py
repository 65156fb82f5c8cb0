"""The registry of what the worker runs: job handlers by kind, chores, periodic jobs.

Each feature adds its handler here, so the worker, the tests and the dashboard agree on the
job kinds that exist.
"""

from __future__ import annotations

from lib.core.config import Config
from lib.jobs.worker import Chore, Handler


def job_handlers(config: Config) -> dict[str, Handler]:
    """Job kind → handler."""
    return {**_maintenance()}


def _maintenance() -> dict[str, Handler]:
    from lib.jobs.maintenance import (
        EXPIRE_KIND,
        REMIND_KIND,
        deadline_reminders,
        expire_unverified,
    )

    return {EXPIRE_KIND: expire_unverified, REMIND_KIND: deadline_reminders}


def _periodic_maintenance() -> dict[str, float]:
    from lib.jobs.maintenance import (
        EXPIRE_INTERVAL_SECONDS,
        EXPIRE_KIND,
        REMIND_INTERVAL_SECONDS,
        REMIND_KIND,
    )

    return {EXPIRE_KIND: EXPIRE_INTERVAL_SECONDS, REMIND_KIND: REMIND_INTERVAL_SECONDS}


def chores(config: Config) -> tuple[Chore, ...]:
    """Work done on every worker round, outside the job queue."""
    from lib.core.db import Database
    from lib.mail.delivery import deliver_pending

    def deliver_mail(db: Database) -> int:
        return deliver_pending(db, config)

    return (deliver_mail,)


def periodic_jobs() -> dict[str, float]:
    """Job kinds kept scheduled, with their interval in seconds."""
    return {**_periodic_maintenance()}
