"""Shopify's mandatory compliance webhooks turned into requests, once per delivery; and
`app/uninstalled`, which disconnects the store (`lib.intake.uninstall`).

The HMAC of the raw body is checked before anything is parsed; a bad or missing signature is
answered 401, logged to the application log and stores nothing (no receipt row either, so a
flood of forgeries cannot fill the database). An authentic delivery stores a `webhook_receipts`
row first: its unique webhook id makes a replay — even one racing the original — fail to insert,
and a replay is answered 200 without creating anything.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lib.core.audit import SHOPIFY_ACTOR, append_event
from lib.core.config import Config
from lib.core.db import Database
from lib.core.deadlines import Regime, compute_deadline
from lib.core.enums import Channel, EventKind, RequestType
from lib.core.lifecycle import NewRequest, local_date, open_request
from lib.core.models import Request, Store, WebhookReceipt, utcnow
from lib.intake.customers import customer_by_id
from lib.intake.proxy import SHOP_DOMAIN
from lib.intake.submit import store_for
from lib.intake.uninstall import UNINSTALLED_TOPIC, on_uninstalled
from lib.jobs.erasure_job import enqueue_redaction
from lib.mail.notifications import on_request_received, setting
from lib.security import verify_webhook_hmac

log = logging.getLogger("privacy_desk.webhooks")
ERASING = frozenset({RequestType.ERASURE, RequestType.SHOP_ERASURE})
"""Topics that oblige the app to erase its own data (customers/redact, shop/redact)."""

TOPICS: dict[str, RequestType] = {
    "customers/data_request": RequestType.ACCESS,
    "customers/redact": RequestType.ERASURE,
    "shop/redact": RequestType.SHOP_ERASURE,
}


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook delivery as received: raw body and the Shopify headers."""

    body: bytes
    hmac: str | None
    topic: str | None
    shop: str | None
    webhook_id: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """The HTTP status to answer and what was done."""

    status: int
    outcome: str
    request_id: int | None = None


def handle_delivery(
    db: Database, config: Config, delivery: Delivery, now: datetime | None = None
) -> Outcome:
    """Verify, record and act on one delivery; safe to call again with the same delivery."""
    if not verify_webhook_hmac(delivery.body, delivery.hmac, config.shopify_api_secret):
        log.warning(
            "webhook refused: invalid or missing HMAC (topic=%r, shop=%r)",
            (delivery.topic or "")[:64],
            (delivery.shop or "")[:255],
        )
        return Outcome(401, "invalid_signature")
    now = now or utcnow()
    payload = _payload(delivery.body)
    shop = _shop(payload, delivery.shop)
    topic = (delivery.topic or "").strip()[:64]
    if not delivery.webhook_id or payload is None or shop is None:
        problem = "missing_id" if not delivery.webhook_id else "bad_payload"
        with db.write() as session:
            session.add(_receipt(delivery, topic, shop, problem, webhook_id=None))
        return Outcome(400, problem)
    try:
        with db.write() as session:
            receipt = _receipt(delivery, topic, shop, "received", webhook_id=delivery.webhook_id)
            session.add(receipt)
            session.flush()  # a replay stops here (unique webhook id)
            receipt.outcome, receipt.request_id = _act(session, config, topic, shop, payload, now)
            return Outcome(200, receipt.outcome, receipt.request_id)
    except IntegrityError:
        if not _seen(db, delivery.webhook_id):
            raise
        log.info("webhook %s (%s, %s) is a replay: nothing done", delivery.webhook_id, topic, shop)
        return Outcome(200, "duplicate")


def _payload(body: bytes) -> dict[str, Any] | None:
    try:
        payload = _without_nul(json.loads(body))
    except (ValueError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None


def _without_nul(value: Any) -> Any:
    """The parsed JSON with NUL characters removed from every string: valid JSON, but
    PostgreSQL text cannot hold them, and an authentic request must not fail on them."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def _shop(payload: dict[str, Any] | None, header: str | None) -> str | None:
    value = (payload or {}).get("shop_domain") or header
    if not isinstance(value, str) or not SHOP_DOMAIN.fullmatch(value.strip().lower()):
        return None
    return value.strip().lower()


def _receipt(
    delivery: Delivery, topic: str, shop: str | None, outcome: str, *, webhook_id: str | None
) -> WebhookReceipt:
    return WebhookReceipt(
        webhook_id=webhook_id[:100] if webhook_id else None,
        topic=topic or "(none)",
        shop_domain=shop,
        signature_valid=True,
        outcome=outcome,
        body_sha256=hashlib.sha256(delivery.body).hexdigest(),
    )


def _seen(db: Database, webhook_id: str) -> bool:
    with db.read() as session:
        found = select(WebhookReceipt.id).where(WebhookReceipt.webhook_id == webhook_id[:100])
        return session.scalar(found) is not None


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | str) and str(value).strip():
        return str(value).strip()[:40]
    return None


def _ids(value: Any) -> list[Any] | None:
    if not isinstance(value, list):
        return None
    return [item for item in value if isinstance(item, int | str) and not isinstance(item, bool)]


def _act(
    session: Session,
    config: Config,
    topic: str,
    shop: str,
    payload: dict[str, Any],
    now: datetime,
) -> tuple[str, int | None]:
    if topic == UNINSTALLED_TOPIC:
        return on_uninstalled(session, shop, now), None
    kind = TOPICS.get(topic)
    if kind is None:
        return "ignored", None
    if kind in ERASING and _known_store(session, shop) is None:
        return "unknown_shop", None  # nothing of ours to erase; never create a store for it
    store = store_for(session, shop, config)
    sent = payload.get("customer")
    customer: dict[str, Any] = sent if isinstance(sent, dict) else {}
    customer_id = _text(customer.get("id"))
    known = customer_by_id(session, store, customer_id) if customer_id else None
    email = customer.get("email") if isinstance(customer.get("email"), str) else None
    email = (email or (known.email if known else None) or "").strip().lower()[:320]
    if kind is RequestType.SHOP_ERASURE:
        email = store.contact_email or ""
    data_request = payload.get("data_request")
    shopify_id = _text(data_request.get("id")) if isinstance(data_request, dict) else None
    orders_key = "orders_requested" if kind is RequestType.ACCESS else "orders_to_redact"

    twin = _open_twin(session, store, kind, shopify_id, customer_id, email)
    if twin is not None:
        append_event(
            session,
            actor=SHOPIFY_ACTOR,
            kind=EventKind.DUPLICATE_SUBMIT,
            request_id=twin.id,
            details={"channel": str(Channel.WEBHOOK), "topic": topic},
            at=now,
        )
        return "duplicate_request", twin.id
    request = open_request(
        session,
        NewRequest(
            store=store,
            type=kind,
            channel=Channel.WEBHOOK,
            email=email,
            name=known.name if known else None,
            country=known.country if known else None,
            subdivision=known.subdivision if known else None,
            customer_id=customer_id,
            shopify_request_id=shopify_id,
            orders_requested=_ids(payload.get(orders_key)),
        ),
        actor=SHOPIFY_ACTOR,
        default_regime=str(setting(session, "default_regime")),
        target_days=int(setting(session, "internal_target_days")),
        at=now,
    )
    # Shopify's own 30-day clock runs alongside the customer's legal regime.
    received = local_date(now, store.timezone)
    request.contract_due_on = compute_deadline(Regime.SHOPIFY, received).due
    on_request_received(session, request, store, config=config)
    if kind in ERASING:
        enqueue_redaction(session, request)  # the worker's next run erases our copies
    return "created", request.id


def _known_store(session: Session, shop: str) -> Store | None:
    return session.scalars(select(Store).where(Store.shop_domain == shop)).first()


def _open_twin(
    session: Session,
    store: Store,
    kind: RequestType,
    shopify_id: str | None,
    customer_id: str | None,
    email: str,
) -> Request | None:
    """An open request this delivery repeats (same Shopify data request, customer or shop)."""
    query = select(Request).where(
        Request.store_id == store.id,
        Request.type == kind,
        Request.channel == Channel.WEBHOOK,
        Request.closed_at.is_(None),
    )
    if kind is RequestType.ACCESS and shopify_id:
        query = query.where(Request.shopify_request_id == shopify_id)
    elif kind is RequestType.ERASURE and customer_id:
        query = query.where(Request.customer_id == customer_id)
    elif kind is RequestType.ERASURE or kind is RequestType.ACCESS:
        if not email:
            return None
        query = query.where(Request.email == email)
    return session.scalars(query.order_by(Request.id).limit(1)).first()
