"""The worker process: runs chores (mail delivery, periodic jobs) and claimed jobs until stopped.

It works in two lanes: the long lane runs only the kinds of `LONG_KINDS` (exports, store syncs,
bulk actions, purges), the short lane delivers mail, keeps periodic jobs scheduled and runs every
other kind. So a verification mail never waits for a 5,000-order export to finish. Both lanes
claim through the one lease of `lib.jobs.queue`, so any number of workers still do each job once.
On stop, a long job is handed back at once (its attempt unspent) for the next worker to take.

Handlers must be idempotent: a worker killed after a handler's commit but before the job is
marked done leaves the job to be run again by the next worker once the lease runs out. A job
whose store must be reconnected (`StoreNeedsReconnect`) is put back to wait, its attempt unspent,
and looks again every `reconnect_wait_seconds` until the store is connected again.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from lib.core.audit import SYSTEM_ACTOR
from lib.core.db import Database
from lib.core.enums import JobStatus
from lib.core.lifecycle import add_note
from lib.core.models import Job, Request, utcnow
from lib.jobs.queue import (
    ACTIVE,
    LONG_KINDS,
    ClaimedJob,
    claim,
    complete,
    defer,
    enqueue,
    fail,
    heartbeat,
)
from lib.store.connection import StoreNeedsReconnect

log = logging.getLogger("privacy_desk.worker")
POLL_SECONDS = 1.0
PERIODIC_CHECK_SECONDS = 30.0
RECONNECT_WAIT_SECONDS = 60.0
"""How often a job whose store must be reconnected looks again (it waits, attempts unspent)."""
STOP_JOIN_SECONDS = 1.0
"""How long a stopping worker waits for its long lane before handing its job back."""
STOPPED = "the worker running it stopped; it runs again on the next worker"


class LeaseLost(RuntimeError):
    """Another worker owns the job now (our lease ran out): stop without writing more."""


class WorkerStopping(LeaseLost):
    """The worker is stopping: the job goes back to the queue at once, its attempt unspent."""


class PermanentError(RuntimeError):
    """A failure that retrying cannot fix (bad input, missing customer): fail at once."""


def refused_for_good(db: Database, request_id: int, text: str) -> PermanentError:
    """Note on the request why the store refused (staff see it on the timeline) and return
    the error to raise: the job fails at once, the request stays open."""
    with db.write() as session:
        add_note(session, session.get_one(Request, request_id), actor=SYSTEM_ACTOR, text=text)
    return PermanentError(text)


@dataclass
class JobContext:
    """What a handler may use: the job, the database, and a way to report progress."""

    db: Database
    job: ClaimedJob
    worker_id: str
    stop: threading.Event | None = None

    def progress(self, done: int, total: int | None = None, note: str | None = None) -> None:
        """Record progress and renew the lease; raises LeaseLost when the job was taken over,
        WorkerStopping when the worker is asked to stop."""
        if self.stop is not None and self.stop.is_set():
            raise WorkerStopping(f"job {self.job.id}: the worker is stopping")
        if not heartbeat(self.db, self.job.id, self.worker_id, done=done, total=total, note=note):
            raise LeaseLost(f"job {self.job.id} is no longer held by {self.worker_id}")


Handler = Callable[[JobContext], Mapping[str, Any] | None]
Chore = Callable[[Database], int]


def new_worker_id() -> str:
    """A name unique to this process, readable in the dashboard (host:pid:random)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class Worker:
    """Claims and runs jobs in two lanes (long kinds / everything else plus chores)."""

    db: Database
    handlers: Mapping[str, Handler]
    chores: tuple[Chore, ...] = ()
    periodic: Mapping[str, float] = field(default_factory=dict)
    worker_id: str = field(default_factory=new_worker_id)
    poll_seconds: float = POLL_SECONDS
    reconnect_wait_seconds: float = RECONNECT_WAIT_SECONDS
    long_kinds: frozenset[str] = LONG_KINDS
    _next_periodic_check: float = 0.0
    _holding: dict[str, ClaimedJob] = field(default_factory=dict)

    def run_once(self) -> bool:
        """Do one round of chores and at most one job of any kind; True when anything was done."""
        return self._round(tuple(self.handlers), with_chores=True)

    def run_forever(self, stop: threading.Event) -> None:
        """Work until `stop` is set: the long lane in a thread, the short lane in this one."""
        long = tuple(kind for kind in self.handlers if kind in self.long_kinds)
        short = tuple(kind for kind in self.handlers if kind not in self.long_kinds)
        log.info("worker %s started (%s)", self.worker_id, ", ".join(sorted(self.handlers)))
        lane = None
        if long:
            args = ("long", long, False, stop)
            lane = threading.Thread(target=self._lane, args=args, name="long lane", daemon=True)
            lane.start()
        self._lane("short", short, True, stop)
        if lane is not None:
            lane.join(STOP_JOIN_SECONDS)
            if lane.is_alive():  # mid-page of a slow store: hand the job back, do not wait
                self._hand_back("long")
        log.info("worker %s stopped", self.worker_id)

    def _lane(
        self, name: str, kinds: tuple[str, ...], with_chores: bool, stop: threading.Event
    ) -> None:
        """One lane's loop; idle rounds wait `poll_seconds`."""
        while not stop.is_set():
            try:
                busy = self._round(kinds, with_chores=with_chores, stop=stop, lane=name)
            except Exception:  # a broken round must not end the worker; the next one retries
                log.exception("worker %s lane round failed", name)
                busy = False
            if not busy:
                stop.wait(self.poll_seconds)

    def _round(
        self,
        kinds: tuple[str, ...],
        *,
        with_chores: bool,
        stop: threading.Event | None = None,
        lane: str = "short",
    ) -> bool:
        did = False
        if with_chores:
            did = sum(chore(self.db) for chore in self.chores) > 0
            self._schedule_periodic()
        if not kinds:
            return did
        job = claim(self.db, self.worker_id, kinds=kinds)
        if job is None:
            return did
        self._holding[lane] = job
        try:
            self._run(job, stop)
        finally:
            self._holding.pop(lane, None)
        return True

    def _hand_back(self, lane: str) -> None:
        job = self._holding.get(lane)
        if job is not None:
            defer(self.db, job.id, self.worker_id, STOPPED, 0)
            log.info("job %s (%s) handed back: the worker stopped", job.id, job.kind)

    def _run(self, job: ClaimedJob, stop: threading.Event | None = None) -> None:
        context = JobContext(self.db, job, self.worker_id, stop)
        try:
            result = self.handlers[job.kind](context)
        except WorkerStopping:
            defer(self.db, job.id, self.worker_id, STOPPED, 0)
            log.info("job %s (%s) handed back: the worker stopped", job.id, job.kind)
            return
        except LeaseLost:
            log.warning("job %s: lease lost, leaving it to its new owner", job.id)
            return
        except StoreNeedsReconnect as exc:
            waiting = f"waiting until the store is reconnected: {exc}"
            defer(self.db, job.id, self.worker_id, waiting, self.reconnect_wait_seconds)
            log.info("job %s (%s) %s", job.id, job.kind, waiting)
            return
        except PermanentError as exc:
            fail(self.db, job.id, self.worker_id, str(exc), retry=False)
            log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
            return
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            status = fail(self.db, job.id, self.worker_id, error)
            log.warning(
                "job %s (%s) attempt %s: %s -> %s\n%s",
                job.id,
                job.kind,
                job.attempts,
                error,
                status,
                traceback.format_exc(limit=5),
            )
            return
        complete(self.db, job.id, self.worker_id, dict(result) if result else None)

    def _schedule_periodic(self) -> None:
        now = utcnow().timestamp()
        if not self.periodic or now < self._next_periodic_check:
            return
        self._next_periodic_check = now + PERIODIC_CHECK_SECONDS
        schedule_periodic(self.db, self.periodic)


def schedule_periodic(db: Database, periodic: Mapping[str, float]) -> None:
    """Keep one queued job of each periodic kind, due `interval` after the last one finished."""
    with db.write() as session:
        for kind, interval in periodic.items():
            active = session.scalars(
                select(Job.id).where(Job.kind == kind, Job.status.in_(ACTIVE))
            ).first()
            if active is not None:
                continue
            last = session.scalars(
                select(Job.finished_at)
                .where(Job.kind == kind, Job.status == JobStatus.DONE)
                .order_by(Job.finished_at.desc())
                .limit(1)
            ).first()
            run_after = last + timedelta(seconds=interval) if last else utcnow()
            enqueue(session, kind, dedupe_key="periodic", run_after=run_after)
