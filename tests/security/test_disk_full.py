"""A disk that fills while a package is written (issue 14, finding 10): the export fails with the
first error, and neither the work folder nor a partial archive is left behind.

The disk is simulated at the write calls (a real full filesystem needs a mount): text files
under the export folder accept `room` characters, then fail with ENOSPC on write and again on
close, as a buffered file on a full disk does; the archive's copy fails the same way.
"""

from __future__ import annotations

import errno
import io
import shutil
from pathlib import Path
from typing import Any

import pytest

from lib.core.db import Database
from lib.core.enums import JobStatus
from lib.core.models import Job
from lib.store.demo_data import add_demo_customer
from tests.helpers.export import click_export, run_worker
from tests.helpers.stores import make_store
from tests.store.helpers import config_for, open_access_request, running_store

REAL_OPEN = Path.open


def _full(name: str, when: str = "") -> OSError:
    return OSError(errno.ENOSPC, f"No space left on device{when}", name)


class _FullFile(io.StringIO):
    """A text file on a disk with `disk.room` characters left."""

    def __init__(self, disk: FullDisk, name: str) -> None:
        super().__init__()
        self.disk, self.name, self.stuck = disk, name, False

    def write(self, text: str) -> int:
        if len(text) > self.disk.room:
            self.stuck = True
            raise _full(self.name)
        self.disk.room -= len(text)
        return super().write(text)

    def close(self) -> None:
        if self.stuck and not self.closed:
            super().close()
            raise _full(self.name, " (on close)")  # the unwritten buffer, again
        super().close()


class FullDisk:
    """Replaces Path.open for the CSV files written under `root`, which fill the disk."""

    def __init__(self, root: Path, room: int) -> None:
        self.root, self.room = root, room

    def open(self, path: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "w" not in mode or path.suffix != ".csv" or not path.is_relative_to(self.root):
            return REAL_OPEN(path, mode, *args, **kwargs)
        return _FullFile(self, path.name)


def _export(db: Database, tmp_path: Path, orders: int) -> tuple[int, Path]:
    """A verified request of a customer with `orders` orders, its export job run once."""
    store = make_store(db)
    add_demo_customer(db, email="ada@example.com", orders=orders)
    request_id = open_access_request(db, store, "ada@example.com")
    exports = tmp_path / "exports"
    with running_store(db) as server:
        job_id, _ = click_export(db, request_id)
        run_worker(db, config_for(server, db, exports), rounds=1)
    return job_id, exports


def _job(db: Database, job_id: int) -> Job:
    with db.read() as session:
        return session.get_one(Job, job_id)


def test_a_disk_full_while_the_files_are_written_reports_it_and_leaves_nothing(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = FullDisk(tmp_path / "exports", room=2000)
    monkeypatch.setattr(
        Path, "open", lambda path, *args, **kwargs: disk.open(path, *args, **kwargs)
    )
    job_id, exports = _export(sqlite_db, tmp_path, orders=40)
    job = _job(sqlite_db, job_id)
    assert job.status in (JobStatus.QUEUED, JobStatus.FAILED) and job.attempts == 1
    assert "No space left on device" in (job.last_error or "")
    assert ".csv" in job.last_error and "on close" not in job.last_error  # the first error
    assert not [p for p in exports.rglob("*") if p.is_file()]
    assert not list((exports / ".work").iterdir())


def test_a_disk_full_while_the_archive_is_written_removes_the_partial_file(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def copy_then_fill(source: Any, sink: Any, length: int = 0) -> None:
        sink.write(source.read(100))
        raise _full(getattr(sink, "name", "archive"))

    monkeypatch.setattr(shutil, "copyfileobj", copy_then_fill)
    job_id, exports = _export(sqlite_db, tmp_path, orders=3)
    assert "No space left on device" in (_job(sqlite_db, job_id).last_error or "")
    assert not [p for p in exports.rglob("*") if p.is_file()]
    assert not list((exports / ".work").iterdir())
