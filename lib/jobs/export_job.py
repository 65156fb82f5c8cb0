"""The `export` job: build a request's package from the store and hand it over for review.

The customer and their orders are fetched page by page into the package (progress on the job),
or, above `EXPORT_BULK_THRESHOLD` orders, through one bulk operation whose JSONL is streamed in
(`lib.store.bulk`; anything that keeps it from giving the whole file falls back to pages, in a
fresh work directory so no half of it stays). Then one transaction finishes everything: the
job done, the Export row, the request `ready_for_review`, the `export` audit event and the
merchant's *export ready* mail. A worker
that dies before that commit leaves only files, which the next attempt clears; a worker whose
lease was taken over writes nothing. After the last failed attempt (or a failure retrying cannot
fix) the request goes back to `verified` with the reason, and the job shows the error.
"""

from __future__ import annotations

import logging
import math
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from lib.core import i18n, register
from lib.core.audit import SYSTEM_ACTOR, append_event
from lib.core.config import Config
from lib.core.enums import EventKind, JobStatus, Status
from lib.core.lifecycle import transition
from lib.core.models import Export, Job, Request, Store, utcnow
from lib.core.register import Register
from lib.core.settings import get_setting
from lib.jobs.package import (
    RECENT_ORDERS_ONLY,
    BuiltPackage,
    PackageInfo,
    PackageWriter,
    derive_passphrase,
)
from lib.jobs.queue import complete
from lib.jobs.report.blocks import collectable, missing_blocks
from lib.jobs.report.records import PersonRecords, collect
from lib.jobs.worker import JobContext, LeaseLost, PermanentError
from lib.mail.notifications import notify_merchant
from lib.store import customer_data, store_client
from lib.store.api import (
    OrderPage,
    access_scopes,
    customer_by_email,
    customer_profile,
    order_pages,
    orders_page_size,
)
from lib.store.bulk import BulkUnavailable, order_batches, run_orders_query, stream_lines
from lib.store.client import (
    CustomerNotFound,
    ShopifyClient,
    StoreError,
    StoreQueryError,
    StoreUnavailable,
)
from lib.store.connection import StoreNeedsReconnect

WORK_DIR = ".work"
log = logging.getLogger("privacy_desk.export")


def run_export(ctx: JobContext, config: Config) -> Mapping[str, Any]:
    """The `export` job: build the request's package and hand it over for review."""
    request_id = int(ctx.job.payload["request_id"])
    with ctx.db.read() as session:
        request = session.get(Request, request_id)
        if request is None:
            raise PermanentError(f"request {request_id} does not exist")
        store = session.get_one(Store, request.store_id)
        encrypt = bool(get_setting(session, "encrypt_exports"))
        records = collect(session, request.store_id, request.email)
        processing = register.load(session, store)
    if Status(request.status) is not Status.IN_PROGRESS:
        raise PermanentError(f"{request.reference} is {request.status}; nothing to export")
    try:
        return _build(ctx, config, request, store, (records, processing), encrypt)
    except (LeaseLost, StoreNeedsReconnect):  # the worker hands it over / lets the job wait
        raise
    except StoreError as exc:
        if isinstance(exc, StoreUnavailable):  # the store may answer again: retry the job
            _after_last_attempt(ctx, request_id, exc)
            raise
        _hand_back(ctx, request_id, str(exc))  # a missing customer, scope or token: tell staff
        raise PermanentError(str(exc)) from exc
    except Exception as exc:
        _after_last_attempt(ctx, request_id, exc)
        raise


def _after_last_attempt(ctx: JobContext, request_id: int, exc: Exception) -> None:
    if ctx.job.attempts >= ctx.job.max_attempts:
        _hand_back(ctx, request_id, f"{type(exc).__name__}: {exc}")


def _build(
    ctx: JobContext,
    config: Config,
    request: Request,
    store: Store,
    own: tuple[PersonRecords, Register],
    encrypt: bool,
) -> dict[str, Any]:
    client = store_client(config, store.shop_domain)
    customer_id = request.customer_id
    if not customer_id:
        found = customer_by_email(client, request.email)
        if found is None:
            raise CustomerNotFound(
                f"no customer with the email {request.email} in {store.shop_domain}"
            )
        customer_id = found.id
    profile = customer_profile(client, customer_id)
    orders = int(profile.get("numberOfOrders") or 0)
    pages = 1 + max(1, math.ceil(orders / orders_page_size(client)))
    ctx.progress(1, pages, "customer profile")
    folder = config.export_path()
    prefix = f"{request.reference}-{ctx.job.id}-"
    _clear_leftovers(folder, ctx.job.id, prefix)
    name = f"{prefix}{secrets.token_hex(4)}.zip"
    work = folder / WORK_DIR / f"{ctx.job.id}-{ctx.job.attempts}"
    target = folder / name
    requested = tuple(str(o) for o in request.orders_requested or ())
    writer = _writer(work, profile, requested)
    try:
        if orders > config.export_bulk_threshold:
            try:
                _bulk_orders(ctx, client, writer, customer_id)
            except BulkUnavailable as exc:  # paced pages instead, from a clean start
                log.warning("export %s: bulk operation unavailable (%s)", request.reference, exc)
                ctx.progress(1, pages, f"bulk operation unavailable ({exc}); paced queries")
                writer.discard()
                writer = _writer(work.with_name(work.name + "-paced"), profile, requested)
                _paced_orders(ctx, client, writer, customer_id, orders)
        else:
            _paced_orders(ctx, client, writer, customer_id, orders)
        scopes = tuple(access_scopes(client))
        blocks, unread = collectable(scopes), []
        for file in blocks:
            try:
                rows = list(customer_data.rows(client, file, customer_id))  # a block is small
            except StoreQueryError as exc:  # named in the package, the rest still answers
                log.warning("export %s: %s not read (%s)", request.reference, file, exc)
                unread.append(file)
                continue
            writer.block(file, rows)
        writer.own_records(own[0])
        info = PackageInfo(
            reference=request.reference or str(request.id),
            shop=store.shop_domain,
            api_version=config.shopify_api_version,
            generated_at=utcnow(),
            customer_id=str(customer_id),
            scopes=scopes,
            notes=_notes(scopes),
            locale=_language(ctx, request, profile),
            shop_name=store.name,
            register=own[1],
            missing=missing_blocks(scopes, unread),
            blocks=tuple(f for f in blocks if f not in unread),
            orders_requested=requested,
        )
        passphrase = derive_passphrase(config.token_secret, name) if encrypt else None
        built = writer.build(info, target, passphrase)
    finally:
        writer.discard()
    try:
        return _finish(ctx, config, request.id, built, encrypt)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _writer(work: Path, profile: dict[str, Any], requested: tuple[str, ...]) -> PackageWriter:
    writer = PackageWriter(work)
    writer.wanted = frozenset(requested)
    writer.customer(profile)
    return writer


def _paced_orders(
    ctx: JobContext, client: ShopifyClient, writer: PackageWriter, customer_id: str, orders: int
) -> None:
    """Order pages within the shop's rate limit; progress counts pages fetched of how many."""
    done = fetched = 0
    for page in order_pages(client, customer_id):
        writer.orders(page.orders)
        done, fetched = done + 1, fetched + len(page.orders)
        ahead = _pages_ahead(orders - fetched, page) if page.has_next else 0
        note = f"orders {fetched} of {max(orders, fetched)}"
        ctx.progress(1 + done, 1 + done + ahead, note)


def _bulk_orders(
    ctx: JobContext, client: ShopifyClient, writer: PackageWriter, customer_id: str
) -> None:
    """Every order through one bulk operation; progress counts objects streamed of how many.

    Raises BulkUnavailable (the caller falls back) before or while streaming; rows already
    written then belong to a writer the caller discards.
    """

    def progress(done: int, total: int, note: str) -> None:
        ctx.progress(1 + done, 1 + max(total, done, 1), note)

    result = run_orders_query(client, customer_id, progress)
    with httpx.Client(timeout=httpx.Timeout(60.0, connect=10.0)) as http:
        for batch in order_batches(stream_lines(result, http), result.objects, progress):
            writer.orders(batch)


def _pages_ahead(orders_left: int, page: OrderPage) -> int:
    """Order pages still to come at the next page's size (a smaller page after a refusal)."""
    return max(1, math.ceil(orders_left / max(1, page.next_size)))


def _notes(scopes: tuple[str, ...]) -> tuple[str, ...]:
    return () if "read_all_orders" in scopes else (RECENT_ORDERS_ONLY,)


def _language(ctx: JobContext, request: Request, profile: Mapping[str, Any]) -> str:
    """The package's language: the request's, else the customer's Admin API `locale`, else the
    shop's."""
    with ctx.db.read() as session:
        shop_language = str(get_setting(session, "shop_language"))
    return i18n.negotiate([request.locale, profile.get("locale")], shop_language)


def _clear_leftovers(folder: Path, job_id: int, prefix: str) -> None:
    """Remove what an earlier, interrupted attempt of this job left on disk.

    A package of this job can only be a leftover: the job is marked done in the transaction
    that records its package, and a worker that lost its lease deletes its own file.
    """
    for stale in (folder / WORK_DIR).glob(f"{job_id}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for pattern in (f"{prefix}*.zip", f".{prefix}*.zip.part"):
        for stale in folder.glob(pattern):
            stale.unlink(missing_ok=True)


def _lock_job(session: Session, ctx: JobContext) -> bool:
    """Lock our job row for this transaction; False when another worker holds it now."""
    owned = session.scalars(
        select(Job.id)
        .where(
            Job.id == ctx.job.id,
            Job.lease_owner == ctx.worker_id,
            Job.status == JobStatus.RUNNING,
        )
        .with_for_update()
    ).first()
    return owned is not None


def _finish(
    ctx: JobContext, config: Config, request_id: int, built: BuiltPackage, encrypt: bool
) -> dict[str, Any]:
    lines = built.rows["order_lines.csv"]
    result = {"file": built.path.name, "orders": built.rows["orders.csv"], "line_items": lines}
    with ctx.db.write() as session:
        if not _lock_job(session, ctx):
            raise LeaseLost(f"job {ctx.job.id} was taken over before it finished")
        request = session.get_one(Request, request_id, with_for_update=True, populate_existing=True)
        if Status(request.status) is not Status.IN_PROGRESS:  # canceled or rejected meanwhile
            built.path.unlink(missing_ok=True)
            return {**result, "file": None, "skipped": f"request is {request.status}"}
        request.locale = request.locale or built.locale  # later mails speak the package's language
        export = Export(
            request_id=request_id,
            job_id=ctx.job.id,
            path=str(built.path),
            size_bytes=built.size,
            sha256=built.sha256,
            encrypted=encrypt,
            order_count=built.rows["orders.csv"],
        )
        session.add(export)
        session.flush()
        complete(ctx.db, ctx.job.id, ctx.worker_id, {**result, "export_id": export.id}, session)
        store = session.get_one(Store, request.store_id)
        notify_merchant(
            session,
            request,
            store,
            event="export_ready",
            context={
                "export": {**result, "bytes": built.size, "encrypted": encrypt},
                "review_url": f"{config.dashboard_url.rstrip('/')}/request?ref={request.reference}",
            },
            dedupe_key=f"merchant:export_ready:{export.id}",
        )
        # The audit events come last: appending locks the chain's head until the commit.
        append_event(
            session,
            actor=SYSTEM_ACTOR,
            kind=EventKind.EXPORT,
            request_id=request_id,
            details={
                "export_id": export.id,
                "sha256": built.sha256,
                "bytes": built.size,
                **result,
                "encrypted": encrypt,
                "requested_by": ctx.job.created_by,
                "worker": ctx.worker_id,
            },
        )
        transition(
            session,
            request,
            Status.READY_FOR_REVIEW,
            actor=SYSTEM_ACTOR,
            details={"export_id": export.id},
        )
        return {**result, "export_id": export.id}


def _hand_back(ctx: JobContext, request_id: int, reason: str) -> None:
    """The export failed for good: the request goes back to `verified`, with the reason."""
    with ctx.db.write() as session:
        if not _lock_job(session, ctx):
            return
        request = session.get(Request, request_id, with_for_update=True, populate_existing=True)
        if request is not None and Status(request.status) is Status.IN_PROGRESS:
            transition(
                session,
                request,
                Status.VERIFIED,
                actor=SYSTEM_ACTOR,
                reason=f"export failed: {reason}"[:500],
                details={"job": ctx.job.id},
            )
