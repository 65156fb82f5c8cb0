"""Shopify compliance webhooks: HMAC before parsing, 401 storing nothing, one request per
delivery however often it is replayed, Shopify's 30-day clock beside the legal one."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from lib.core.models import OutboxMail, Request, WebhookReceipt
from lib.intake.app import WEBHOOK_BODY_LIMIT
from lib.security import sign_webhook
from tests.intake.conftest import PROXY_SECRET, SHOP, Intake, sqlite_only

PATH = "/webhooks/shopify"


def _data_request(n: int = 1, customer_id: int = 101, email: str = "ada@example.com") -> dict:
    return {
        "shop_id": 954889,
        "shop_domain": SHOP,
        "orders_requested": [299938, 280263, 220458 + n],
        "customer": {"id": customer_id, "email": email, "phone": "555-625-1199"},
        "data_request": {"id": 9999 + n},
    }


def _headers(body: bytes, topic: str, webhook_id: str | None = None, **extra: str) -> dict:
    return {
        "content-type": "application/json",
        "x-shopify-hmac-sha256": sign_webhook(body, PROXY_SECRET),
        "x-shopify-topic": topic,
        "x-shopify-shop-domain": SHOP,
        "x-shopify-api-version": "2025-10",
        "x-shopify-webhook-id": webhook_id or str(uuid.uuid4()),
        **extra,
    }


def _post(
    intake: Intake, payload: dict, topic: str = "customers/data_request", **kw
) -> httpx.Response:
    body = json.dumps(payload).encode()
    return intake.http.post(PATH, content=body, headers=_headers(body, topic, **kw))


def test_data_request_becomes_an_export_request_with_both_clocks(intake: Intake) -> None:
    response = _post(intake, _data_request())
    assert response.status_code == 200 and response.json() == {"status": "created"}
    [request] = intake.requests()
    assert (request.type, request.channel, request.status) == ("access", "webhook", "verified")
    assert (request.shopify_request_id, request.customer_id) == ("10000", "101")
    assert request.orders_requested == [299938, 280263, 220459]
    assert request.regime == "gdpr" and request.name == "Ada Lovelace"  # Ada lives in DE
    assert request.contract_due_on == request.received_at.date() + timedelta(days=30)
    with intake.db.read() as session:
        [receipt] = session.scalars(select(WebhookReceipt)).all()
    assert (receipt.topic, receipt.shop_domain, receipt.signature_valid, receipt.outcome) == (
        "customers/data_request",
        SHOP,
        True,
        "created",
    )
    assert receipt.request_id == request.id
    # The merchant hears of it; the customer asked Shopify, not the storefront.
    assert [(m.template, m.to_addr) for m in intake.outbox()] == [
        ("merchant_request", "owner@demo-shop.test")  # the store's own contact address
    ]


def test_one_delivery_replayed_three_times_makes_one_request(intake: Intake) -> None:
    body = json.dumps(_data_request()).encode()
    headers = _headers(body, "customers/data_request", webhook_id="b54557e4-bdd9-4b37")
    answers = [intake.http.post(PATH, content=body, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["status"] for a in answers] == ["created", "duplicate", "duplicate"]
    assert intake.count(Request) == 1 and intake.count(WebhookReceipt) == 1
    assert intake.count(OutboxMail) == 1


def test_replays_racing_each_other_still_make_one_request(intake: Intake) -> None:
    body = json.dumps(_data_request()).encode()
    headers = _headers(body, "customers/data_request", webhook_id="race-1")
    barrier = threading.Barrier(6)
    codes: list[int] = []

    def deliver() -> None:
        with httpx.Client(base_url=intake.base, timeout=20) as client:
            barrier.wait()
            codes.append(client.post(PATH, content=body, headers=headers).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 6
    assert intake.count(Request) == 1 and intake.count(WebhookReceipt) == 1


def test_a_new_delivery_of_the_same_data_request_makes_no_second_request(intake: Intake) -> None:
    assert _post(intake, _data_request()).json()["status"] == "created"
    assert _post(intake, _data_request()).json()["status"] == "duplicate_request"
    assert intake.count(Request) == 1 and intake.count(WebhookReceipt) == 2


@sqlite_only
def test_hundred_valid_signatures_accepted_and_one_byte_changed_refused(intake: Intake) -> None:
    bodies = [
        json.dumps(_data_request(n, customer_id=5000 + n, email=f"c{n}@example.com")).encode()
        for n in range(100)
    ]
    signed = [(body, _headers(body, "customers/data_request")) for body in bodies]
    for index, (body, headers) in enumerate(signed):
        position = index % len(body)
        tampered = body[:position] + bytes([body[position] ^ 0x01]) + body[position + 1 :]
        refused = intake.http.post(PATH, content=tampered, headers=headers)
        assert refused.status_code == 401, index
    assert intake.count(WebhookReceipt) == 0 and intake.count(Request) == 0
    for body, headers in signed:
        assert intake.http.post(PATH, content=body, headers=headers).status_code == 200
    assert intake.count(Request) == 100 and intake.count(WebhookReceipt) == 100


@sqlite_only
@pytest.mark.parametrize(
    "change",
    ["missing", "empty", "not_base64", "other_secret", "header_of_another_body", "no_body"],
)
def test_forged_signatures_get_401_and_store_nothing(intake: Intake, change: str) -> None:
    body = json.dumps(_data_request()).encode()
    headers = _headers(body, "customers/data_request")
    content = body
    if change == "missing":
        del headers["x-shopify-hmac-sha256"]
    elif change == "empty":
        headers["x-shopify-hmac-sha256"] = ""
    elif change == "not_base64":
        headers["x-shopify-hmac-sha256"] = "not base64!"
    elif change == "other_secret":
        headers["x-shopify-hmac-sha256"] = sign_webhook(body, "another-secret")
    elif change == "header_of_another_body":
        headers["x-shopify-hmac-sha256"] = sign_webhook(body + b" ", PROXY_SECRET)
    else:
        content = b""
    response = intake.http.post(PATH, content=content, headers=headers)
    assert response.status_code == 401 and response.json() == {
        "detail": "invalid webhook signature"
    }
    assert intake.count(WebhookReceipt) == 0 and intake.count(Request) == 0


@sqlite_only
def test_redact_topics_make_erasure_requests(intake: Intake) -> None:
    redact = {
        "shop_id": 954889,
        "shop_domain": SHOP,
        "customer": {"id": 101, "email": "ada@example.com"},
        "orders_to_redact": [299938, 280263],
    }
    assert _post(intake, redact, "customers/redact").json()["status"] == "created"
    assert _post(intake, {"shop_id": 954889, "shop_domain": SHOP}, "shop/redact").json() == {
        "status": "created"
    }
    erasure, shop = intake.requests()
    assert (erasure.type, erasure.customer_id, erasure.orders_requested) == (
        "erasure",
        "101",
        [299938, 280263],
    )
    assert (shop.type, shop.channel, shop.email) == (
        "shop_erasure",
        "webhook",
        "owner@demo-shop.test",
    )
    assert shop.contract_due_on is not None


@sqlite_only
def test_newer_unprefixed_headers_and_unknown_topics(intake: Intake) -> None:
    body = json.dumps(_data_request()).encode()
    headers = {
        "content-type": "application/json",
        "shopify-hmac-sha256": sign_webhook(body, PROXY_SECRET),
        "shopify-topic": "customers/data_request",
        "shopify-shop-domain": SHOP,
        "shopify-event-id": "evt-1",
    }
    assert intake.http.post(PATH, content=body, headers=headers).json()["status"] == "created"
    other = _post(intake, {"shop_domain": SHOP}, "orders/create")
    assert other.status_code == 200 and other.json()["status"] == "ignored"
    assert intake.count(Request) == 1 and intake.count(WebhookReceipt) == 2


@sqlite_only
def test_authentic_but_unusable_deliveries_are_logged_and_answered_400(intake: Intake) -> None:
    body = b"not json"
    response = intake.http.post(PATH, content=body, headers=_headers(body, "shop/redact"))
    assert response.status_code == 400
    body = json.dumps({"shop_domain": SHOP}).encode()
    headers = _headers(body, "shop/redact")
    del headers["x-shopify-webhook-id"]
    assert intake.http.post(PATH, content=body, headers=headers).status_code == 400
    with intake.db.read() as session:
        outcomes = sorted(session.scalars(select(WebhookReceipt.outcome)))
    assert outcomes == ["bad_payload", "missing_id"] and intake.count(Request) == 0


@sqlite_only
def test_webhook_bodies_have_their_own_bound(intake: Intake) -> None:
    payload = _data_request()
    payload["orders_requested"] = list(range(10_000_000, 10_012_000))  # ~100 KB of order ids
    assert _post(intake, payload).status_code == 200
    huge = b"1" * (WEBHOOK_BODY_LIMIT + 1)
    response = intake.http.post(PATH, content=huge, headers=_headers(huge, "shop/redact"))
    assert response.status_code == 413
