"""Delivery: an expiring, revocable download link for a reviewed package, and its downloads.

`deliver` issues a signed `download` token (only its fingerprint is stored), mails the customer
the link and, for an encrypted package, the passphrase in a second mail; the request becomes
`delivered`. `open_download` is what the intake service's link does: it counts the download in
one conditional UPDATE (so concurrent clicks never exceed the limit), audits it and completes the
request on the first one; an expired, revoked, exhausted or forged link changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lib.core.audit import CUSTOMER_ACTOR, append_event
from lib.core.config import Config, get_config
from lib.core.db import Database
from lib.core.enums import EventKind, Status
from lib.core.lifecycle import LifecycleError, transition
from lib.core.models import Delivery, Export, Request, Store, utcnow
from lib.core.settings import get_setting
from lib.jobs.package import derive_passphrase
from lib.mail.notifications import notify_customer, public_url, send_passphrase
from lib.security import TokenError, issue_token, read_token, token_fingerprint

DOWNLOAD_PURPOSE = "download"


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """The new link; `url` is shown to staff too (e.g. when customer mails are switched off)."""

    delivery: Delivery
    url: str
    mailed: bool


class DownloadRefused(StrEnum):
    """Why a download link did not serve the file."""

    INVALID = "invalid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    EXHAUSTED = "exhausted"
    GONE = "gone"


@dataclass(frozen=True, slots=True)
class DownloadGrant:
    """A counted download: the file to stream and the name to give it."""

    path: Path
    filename: str
    count: int


def download_url(config: Config, token: str) -> str:
    """The customer's link, under the app proxy prefix."""
    return public_url(config, f"/download/{token}")


def deliver(
    session: Session, export: Export, actor: str, *, config: Config | None = None
) -> DeliveryResult:
    """Send the customer a new download link for `export` (and the passphrase separately).

    Allowed for a request ready for review (it becomes `delivered`) or already delivered (a new
    link, e.g. after the first expired). Raises LifecycleError otherwise.
    """
    config = config or get_config()
    request = session.get_one(Request, export.request_id, with_for_update=True)
    status = Status(request.status)
    if status not in (Status.READY_FOR_REVIEW, Status.DELIVERED):
        raise LifecycleError(f"{request.reference}: cannot deliver a {status} request")
    if export.purged_at is not None or not Path(export.path).is_file():
        raise LifecycleError(f"{request.reference}: the package is no longer on disk; export again")
    days = int(get_setting(session, "download_link_days"))
    token = issue_token(config.token_secret, DOWNLOAD_PURPOSE, f"export:{export.id}", days * 86_400)
    claims = read_token(token, config.token_secret, DOWNLOAD_PURPOSE)
    delivery = Delivery(
        export_id=export.id,
        token_fingerprint=token_fingerprint(claims.token_id),
        expires_at=datetime.fromtimestamp(claims.expires_at, UTC),
        max_downloads=int(get_setting(session, "download_max")),
        created_by=actor,
    )
    session.add(delivery)
    session.flush()
    details = {
        "delivery_id": delivery.id,
        "export_id": export.id,
        "expires_at": delivery.expires_at.isoformat(),
        "max": delivery.max_downloads,
    }
    if status is Status.READY_FOR_REVIEW:
        transition(session, request, Status.DELIVERED, actor=actor, details=details)
    else:
        append_event(
            session,
            actor=actor,
            kind=EventKind.NOTE,
            request_id=request.id,
            reason="new download link sent",
            details=details,
        )
    url = download_url(config, token)
    mailed = _mail(session, config, request, export, delivery, url)
    return DeliveryResult(delivery, url, mailed)


def _mail(
    session: Session, config: Config, request: Request, export: Export, delivery: Delivery, url: str
) -> bool:
    store = session.get_one(Store, request.store_id)
    mail = notify_customer(
        session,
        request,
        store,
        event="data_ready",
        context={
            "download_url": url,
            "expires_at": delivery.expires_at,
            "max_downloads": delivery.max_downloads,
            "encrypted": export.encrypted,
        },
        dedupe_key=f"customer:data_ready:{delivery.id}",
    )
    if mail is not None and export.encrypted:
        send_passphrase(
            session,
            request,
            store,
            passphrase=derive_passphrase(config.token_secret, Path(export.path).name),
            dedupe_key=f"customer:passphrase:{delivery.id}",
        )
    return mail is not None


def revoke(session: Session, delivery: Delivery, actor: str, reason: str | None = None) -> bool:
    """Stop a link from working; False when it was already revoked."""
    if delivery.revoked_at is not None:
        return False
    delivery.revoked_at = utcnow()
    export = session.get_one(Export, delivery.export_id)
    append_event(
        session,
        actor=actor,
        kind=EventKind.NOTE,
        request_id=export.request_id,
        reason=f"download link revoked{': ' + reason.strip() if reason and reason.strip() else ''}",
        details={"delivery_id": delivery.id},
    )
    return True


def open_download(
    db: Database, token: str, *, config: Config | None = None
) -> DownloadGrant | DownloadRefused:
    """Check a link and count one download (audited), or say why it is refused."""
    config = config or get_config()
    try:
        claims = read_token(token, config.token_secret, DOWNLOAD_PURPOSE)
    except TokenError as exc:
        return DownloadRefused.EXPIRED if exc.reason == "expired" else DownloadRefused.INVALID
    fingerprint = token_fingerprint(claims.token_id)
    with db.write() as session:
        delivery = session.scalars(
            select(Delivery).where(Delivery.token_fingerprint == fingerprint)
        ).first()
        if delivery is None:
            return DownloadRefused.INVALID
        export = session.get_one(Export, delivery.export_id)
        if export.purged_at is not None or not Path(export.path).is_file():
            return DownloadRefused.GONE
        now = utcnow()
        count = session.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery.id,
                Delivery.revoked_at.is_(None),
                Delivery.expires_at > now,
                Delivery.downloads < Delivery.max_downloads,
            )
            .values(downloads=Delivery.downloads + 1, last_download_at=now)
            .returning(Delivery.downloads)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if count is None:
            return _refusal(delivery, now)
        request = session.get_one(Request, export.request_id, with_for_update=True)
        append_event(
            session,
            actor=CUSTOMER_ACTOR,
            kind=EventKind.DOWNLOAD,
            request_id=request.id,
            details={
                "delivery_id": delivery.id,
                "export_id": export.id,
                "count": count,
                "max": delivery.max_downloads,
            },
        )
        if Status(request.status) is Status.DELIVERED:
            transition(
                session,
                request,
                Status.COMPLETED,
                actor=CUSTOMER_ACTOR,
                reason="downloaded by the customer",
            )
        return DownloadGrant(Path(export.path), f"{request.reference}-data.zip", count)


def _refusal(delivery: Delivery, now: datetime) -> DownloadRefused:
    if delivery.revoked_at is not None:
        return DownloadRefused.REVOKED
    if delivery.expires_at <= now:
        return DownloadRefused.EXPIRED
    return DownloadRefused.EXHAUSTED
