"""The loop of the worker processes tests start: work until the queue stays empty a while."""

from __future__ import annotations

import time

from lib.jobs.worker import Worker

IDLE_SECONDS = 2.0
POLL_SECONDS = 0.05


def run_until_idle(worker: Worker, idle_seconds: float = IDLE_SECONDS) -> None:
    """Run jobs; return once none was found for `idle_seconds` (the test has seen its results)."""
    idle_since = time.monotonic()
    while time.monotonic() - idle_since < idle_seconds:
        if worker.run_once():
            idle_since = time.monotonic()
        else:
            time.sleep(POLL_SECONDS)
