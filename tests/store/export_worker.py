"""A worker process for the export tests: runs the real handlers with the environment's config.

Run as `python -m tests.store.export_worker` with DATABASE_URL, DEMO_STORE_URL, EXPORT_DIR… set;
exits after two idle seconds.
"""

from __future__ import annotations

from lib.core.config import get_config
from lib.core.db import Database
from lib.jobs.handlers import job_handlers
from lib.jobs.worker import Worker
from tests.helpers.idle_worker import run_until_idle


def main() -> None:
    config = get_config()
    worker = Worker(Database(config.database_url), job_handlers(config), poll_seconds=0.05)
    run_until_idle(worker)


if __name__ == "__main__":
    main()
