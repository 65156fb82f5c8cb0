"""A worker process for tests: its one job kind records an audit event naming the job.

Run as `python -m tests.jobs.counting_worker DATABASE_URL [SLEEP_SECONDS]`; exits after two
idle seconds.
"""

from __future__ import annotations

import sys
import time

from lib.core.audit import append_event
from lib.core.db import Database
from lib.jobs.worker import JobContext, Worker
from tests.helpers.idle_worker import run_until_idle


def record(context: JobContext) -> dict[str, str]:
    """Sleep a little (so jobs overlap), then record that this worker ran this job."""
    time.sleep(float(context.job.payload.get("sleep", 0)))
    with context.db.write() as session:
        append_event(session, actor=context.worker_id, kind="note", details={"job": context.job.id})
    return {"by": context.worker_id}


def main() -> None:
    db = Database(sys.argv[1])
    worker = Worker(db, {"count": record}, poll_seconds=0.05)
    run_until_idle(worker)


if __name__ == "__main__":
    main()
