"""The registry of what the worker runs: job handlers by kind, chores, periodic jobs.

Each feature adds its handler here, so the worker, the tests and the dashboard agree on the
job kinds that exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lib.core.config import Config
from lib.jobs.worker import Chore, Handler, JobContext


def _export(config: Config) -> Handler:
    from lib.jobs.export_job import run_export

    return lambda ctx: run_export(ctx, config)


def _store_sync(config: Config) -> Handler:
    from lib.store.sync import sync_stores

    def run(ctx: JobContext) -> Mapping[str, Any]:
        counts = sync_stores(ctx.db, config, lambda done, note: ctx.progress(done, None, note))
        return vars(counts)

    return run


def _bulk(ctx: JobContext) -> Mapping[str, Any]:
    from lib.jobs.bulk_job import run_bulk

    return run_bulk(ctx)


def job_handlers(config: Config) -> dict[str, Handler]:
    """Job kind → handler."""
    return {
        "export": _export(config),
        "store_sync": _store_sync(config),
        "bulk": _bulk,
        **_maintenance(),
        **_retention(config),
        **_rights(config),
        **_erasure(config),
    }


def _erasure(config: Config) -> dict[str, Handler]:
    from lib.jobs import erasure_job as e

    return {
        e.SHOPIFY_KIND: lambda ctx: e.run_shopify_erasure(ctx, config),
        e.FOLLOW_KIND: lambda ctx: e.run_follow(ctx, config),
        e.REDACT_KIND: lambda ctx: e.run_redact(ctx, config),
        e.PURGE_SHOP_KIND: lambda ctx: e.run_purge_shop(ctx, config),
        e.RETENTION_KIND: lambda ctx: e.run_retention(ctx, config),
    }


def _rights(config: Config) -> dict[str, Handler]:
    from lib.jobs import correction_job, optout_job

    return {
        correction_job.KIND: lambda ctx: correction_job.run_correction(ctx, config),
        optout_job.KIND: lambda ctx: optout_job.run_opt_out(ctx, config),
        optout_job.SWEEP_KIND: optout_job.sweep_opt_outs,
    }


def _retention(config: Config) -> dict[str, Handler]:
    from lib.jobs.retention import PURGE_KIND, purge_exports_job

    return {PURGE_KIND: lambda ctx: purge_exports_job(ctx, config)}


def _maintenance() -> dict[str, Handler]:
    from lib.jobs.maintenance import (
        EXPIRE_KIND,
        GUEST_REMIND_KIND,
        REMIND_KIND,
        deadline_reminders,
        expire_unverified,
        guest_reminders,
    )

    return {
        EXPIRE_KIND: expire_unverified,
        REMIND_KIND: deadline_reminders,
        GUEST_REMIND_KIND: guest_reminders,
    }


def _periodic_maintenance() -> dict[str, float]:
    from lib.jobs.maintenance import (
        EXPIRE_INTERVAL_SECONDS,
        EXPIRE_KIND,
        GUEST_REMIND_INTERVAL_SECONDS,
        GUEST_REMIND_KIND,
        REMIND_INTERVAL_SECONDS,
        REMIND_KIND,
    )

    return {
        EXPIRE_KIND: EXPIRE_INTERVAL_SECONDS,
        REMIND_KIND: REMIND_INTERVAL_SECONDS,
        GUEST_REMIND_KIND: GUEST_REMIND_INTERVAL_SECONDS,
    }


def chores(config: Config) -> tuple[Chore, ...]:
    """Work done on every worker round, outside the job queue."""
    from lib.core.db import Database
    from lib.mail.delivery import deliver_pending

    def deliver_mail(db: Database) -> int:
        return deliver_pending(db, config)

    return (deliver_mail,)


def periodic_jobs() -> dict[str, float]:
    """Job kinds kept scheduled, with their interval in seconds."""
    from lib.jobs.erasure_job import RETENTION_INTERVAL_SECONDS, RETENTION_KIND
    from lib.jobs.optout_job import SWEEP_INTERVAL_SECONDS, SWEEP_KIND
    from lib.jobs.retention import PURGE_INTERVAL_SECONDS, PURGE_KIND
    from lib.store.sync import SYNC_INTERVAL_SECONDS, SYNC_KIND

    return {
        SYNC_KIND: SYNC_INTERVAL_SECONDS,
        PURGE_KIND: PURGE_INTERVAL_SECONDS,
        RETENTION_KIND: RETENTION_INTERVAL_SECONDS,
        SWEEP_KIND: SWEEP_INTERVAL_SECONDS,
        **_periodic_maintenance(),
    }
