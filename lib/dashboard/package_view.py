"""A request's access package on its own page: what it holds (files, rows, size, created), its
customer link (lifetime, downloads), the readable report, and cancelling a running export.

A package is named by its request's reference and the day it was built ("DSR-2026-000123 of
4 Dec 2026"), never by its row number. Reading the report is a review of personal data: it is
role-checked and audited like the download for review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyzipper
from sqlalchemy import select

from lib.core.audit import append_event
from lib.core.config import get_config
from lib.core.db import Database
from lib.core.enums import EventKind, Status
from lib.core.lifecycle import transition
from lib.core.models import Delivery, Export, Job, Request
from lib.dashboard.actions import ActionError
from lib.dashboard.roles import Actor, Right, require
from lib.jobs.exports import EXPORT_KIND, package_passphrase
from lib.jobs.queue import ACTIVE, cancel

REPORT_FILE = "index.html"


def package_name(reference: str, created_at: datetime) -> str:
    """`DSR-2026-000123 of 4 Dec 2026`: how people tell packages apart."""
    return f"{reference} of {created_at.day} {created_at:%b %Y}"


@dataclass(frozen=True, slots=True)
class Link:
    """The latest customer link of a package."""

    sent_at: datetime
    expires_at: datetime
    downloads: int
    max_downloads: int
    revoked_at: datetime | None
    delivery_id: int


@dataclass(frozen=True, slots=True)
class PackageSummary:
    """The newest package of a request, as the request page shows it."""

    export_id: int
    name: str
    created_at: datetime
    size_bytes: int
    orders: int
    encrypted: bool
    on_disk: bool
    files: tuple[tuple[str, int], ...]
    """(file name, bytes) from the package's manifest; empty when it is no longer on disk."""
    rows: int
    link: Link | None
    status: Status
    """The request's status (what may be done with the package follows from it)."""
    recipient: str
    """Who a delivery goes to, as people read it: `Ada Lovelace <ada@example.com>`."""

    @property
    def has_report(self) -> bool:
        """True when the package carries the readable report (index.html)."""
        return any(name == REPORT_FILE for name, _ in self.files)


def latest_package(db: Database, request_id: int) -> PackageSummary | None:
    """The request's newest package with its manifest and latest link, or None."""
    return _package(db, Export.request_id == request_id)


def package_by_id(db: Database, export_id: int) -> PackageSummary | None:
    """One package by its id (the Exports page's pick), or None."""
    return _package(db, Export.id == export_id)


def _package(db: Database, where: Any) -> PackageSummary | None:
    with db.read() as session:
        row = session.execute(
            select(Export, Request)
            .join(Request, Request.id == Export.request_id)
            .where(where)
            .order_by(Export.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        export, request = row
        delivery = session.scalars(
            select(Delivery).where(Delivery.export_id == export.id).order_by(Delivery.id.desc())
        ).first()
        session.expunge_all()
    on_disk = export.purged_at is None and Path(export.path).is_file()
    manifest = _manifest(export) if on_disk else {}
    files = tuple((f["name"], int(f.get("bytes", 0))) for f in manifest.get("files", []))
    link = None
    if delivery is not None:
        link = Link(
            delivery.created_at,
            delivery.expires_at,
            delivery.downloads,
            delivery.max_downloads,
            delivery.revoked_at,
            delivery.id,
        )
    return PackageSummary(
        export_id=export.id,
        name=package_name(request.reference, export.created_at),
        created_at=export.created_at,
        size_bytes=export.size_bytes,
        orders=export.order_count,
        encrypted=export.encrypted,
        on_disk=on_disk,
        files=files,
        rows=sum(int(n) for n in manifest.get("rows", {}).values()),
        link=link,
        status=Status(request.status),
        recipient=f"{request.name} <{request.email}>" if request.name else str(request.email),
    )


def _open(export: Export) -> pyzipper.AESZipFile:
    archive = pyzipper.AESZipFile(export.path)
    secret = package_passphrase(get_config(), export)
    if secret:
        archive.setpassword(secret.encode())
    return archive


def _manifest(export: Export) -> dict[str, Any]:
    try:
        with _open(export) as archive:
            manifest: dict[str, Any] = json.loads(archive.read("manifest.json"))
            return manifest
    except (KeyError, OSError, RuntimeError, ValueError):  # an older or damaged package
        return {}


def report_html(db: Database, actor: Actor, export_id: int) -> str:
    """The package's readable report (index.html) for review before delivery; audited."""
    require(actor, Right.DELIVER)
    with db.write() as session:
        export = session.get(Export, export_id)
        if export is None or export.purged_at is not None or not Path(export.path).is_file():
            raise ActionError("this package is no longer on disk; start a new export")
        append_event(
            session,
            actor=actor.email,
            kind=EventKind.DOWNLOAD,
            request_id=export.request_id,
            reason="readable report opened for review",
            details={"export_id": export.id},
        )
        try:
            with _open(export) as archive:
                report: str = archive.read(REPORT_FILE).decode("utf-8")
                return report
        except KeyError:
            raise ActionError("this package was built before the readable report existed") from None


def running_export(db: Database, request_id: int) -> int | None:
    """The id of the request's queued or running export job, if any."""
    with db.read() as session:
        return session.scalar(
            select(Job.id)
            .where(Job.request_id == request_id, Job.kind == EXPORT_KIND, Job.status.in_(ACTIVE))
            .limit(1)
        )


def cancel_export(db: Database, actor: Actor, request_id: int) -> None:
    """Stop the request's running export; the request goes back to *verified* (audited)."""
    require(actor, Right.EXPORT)
    with db.write() as session:
        request = session.get(Request, request_id, with_for_update=True)
        if request is None:
            raise ActionError(f"request {request_id} does not exist")
        job_id = session.scalar(
            select(Job.id).where(
                Job.request_id == request_id, Job.kind == EXPORT_KIND, Job.status.in_(ACTIVE)
            )
        )
        if job_id is None or not cancel(session, job_id, f"cancelled by {actor.email}"):
            raise ActionError(f"{request.reference} has no export running")
        if Status(request.status) is Status.IN_PROGRESS:
            transition(
                session,
                request,
                Status.VERIFIED,
                actor=actor.email,
                reason="export cancelled",
                details={"job": job_id},
            )
