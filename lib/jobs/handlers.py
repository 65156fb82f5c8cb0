"""The registry of what the worker runs: job handlers by kind, chores, periodic jobs.

Each feature adds its handler here, so the worker, the tests and the dashboard agree on the
job kinds that exist.
"""

from __future__ import annotations

from lib.core.config import Config
from lib.jobs.worker import Chore, Handler


def job_handlers(config: Config) -> dict[str, Handler]:
    """Job kind → handler."""
    return {}


def chores(config: Config) -> tuple[Chore, ...]:
    """Work done on every worker round, outside the job queue."""
    return ()


def periodic_jobs() -> dict[str, float]:
    """Job kinds kept scheduled, with their interval in seconds."""
    return {}
