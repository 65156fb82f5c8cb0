"""Exports in tests: start one as staff would, run the worker in-process, read the package."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyzipper

from lib.core.config import Config
from lib.core.db import Database
from lib.core.models import Request
from lib.jobs.exports import request_export
from lib.jobs.handlers import job_handlers
from lib.jobs.worker import Worker


def run_worker(db: Database, config: Config, rounds: int = 20) -> Worker:
    """Run the real handlers until the queue is empty (at most `rounds` jobs)."""
    worker = Worker(db, job_handlers(config))
    for _ in range(rounds):
        if not worker.run_once():
            break
    return worker


def click_export(
    db: Database, request_id: int, actor: str = "merchant@shop.test"
) -> tuple[int, bool]:
    """Staff press Export on request `request_id`: the job's id and whether it was new."""
    with db.write() as session:
        job, created = request_export(session, session.get_one(Request, request_id), actor)
        return job.id, created


def read_package(path: Path, passphrase: str | None = None) -> dict[str, bytes]:
    """Every file of an export package by name (AES zip, with `passphrase` when encrypted)."""
    with pyzipper.AESZipFile(path) as archive:
        if passphrase:
            archive.setpassword(passphrase.encode())
        return {name: archive.read(name) for name in archive.namelist()}


def rows(data: bytes) -> list[dict[str, str]]:
    """A package CSV file as dicts by header."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
