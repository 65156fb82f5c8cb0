"""A worker process for the export tests: runs the real handlers with the environment's config.

Run as `python -m tests.store.export_worker` with DATABASE_URL, DEMO_STORE_URL, EXPORT_DIR… set;
exits after two idle seconds.
"""

from __future__ import annotations

import time

from lib.core.config import get_config
from lib.core.db import Database
from lib.jobs.handlers import job_handlers
from lib.jobs.worker import Worker


def main() -> None:
    config = get_config()
    worker = Worker(Database(config.database_url), job_handlers(config), poll_seconds=0.05)
    idle_since = time.monotonic()
    while time.monotonic() - idle_since < 2.0:
        if worker.run_once():
            idle_since = time.monotonic()
        else:
            time.sleep(0.05)


if __name__ == "__main__":
    main()
