"""Property-based fuzzing of the intake service, from its own OpenAPI schema (schemathesis) and,
for the webhook's raw body that the schema cannot describe, from Hypothesis strategies.

Every operation gets schema-conforming and schema-violating requests, signed as the app proxy
would for a guest, a known customer and an unknown customer, or not signed at all; webhooks get
authentic (correctly signed) bodies of every shape. No input may make the service answer 5xx.
Inputs are derandomised (the same ones every run) and bounded so the module stays well under a
minute; the counts are recorded in test-artifacts/reliability.json.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from sqlalchemy import func, select

from lib.core.config import Config
from lib.core.db import Database
from lib.core.models import Customer, WebhookReceipt
from lib.intake.app import create_app
from lib.intake.links import signed_query
from lib.intake.submit import submit_guest
from lib.security import issue_token, sign_webhook
from tests.helpers.stores import make_store
from tests.reliability.processes import record
from tests.store.helpers import TOKEN, running_store

SHOP = "demo-shop.myshopify.com"
SECRET = "fuzz-proxy-secret"
EXAMPLES = 120
WEBHOOK_EXAMPLES = 250
OPERATIONS = [
    ("GET", "/apps/privacy"),
    ("POST", "/apps/privacy"),
    ("GET", "/apps/privacy/api/state"),
    ("POST", "/apps/privacy/api/requests"),
    ("GET", "/apps/privacy/verify"),
    ("GET", "/apps/privacy/download/{token}"),
    ("GET", "/apps/privacy/appeal"),
    ("POST", "/apps/privacy/appeal"),
    ("POST", "/webhooks/shopify"),
    ("GET", "/auth/install"),
    ("GET", "/auth/callback"),
    ("GET", "/healthz"),
]
VISITORS = ["guest", "101", "999", "stale", "unsigned"]
"""Who sends it: a guest, a known and an unknown customer, an expired signature, none (the
first ones are drawn most often)."""
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def intake_app(db: Database, store_url: str) -> FastAPI:
    """The intake app over a store with one synced customer (101) and three guest requests
    waiting for verification (ids 1-3, for signed tokens to hit); the demo store answers lookups
    of other customers. No rate limits: the fuzzer reaches the database writes, not a 429."""
    store = make_store(db, SHOP)
    with db.write() as session:
        session.add(
            Customer(store_id=store.id, shopify_id="101", email="ada@example.com", first_name="Ada")
        )
    config = Config(
        database_url=db.url,
        demo_store_url=store_url,
        demo_store_token=TOKEN,
        shopify_api_secret=SECRET,
        token_secret="fuzz-token-secret",
        rate_limit_ip_per_hour=0,
        rate_limit_email_per_hour=0,
    )
    for n in range(3):
        submit_guest(db, config, shop=SHOP, email=f"g{n}@example.com", address="192.0.2.1")
    return create_app(db, config)


@pytest.fixture
def app(sqlite_db: Database) -> Iterator[FastAPI]:
    """HTTP-level fuzzing runs on SQLite; the webhook fuzzing below also on PostgreSQL."""
    with running_store(sqlite_db) as server:
        yield intake_app(sqlite_db, server.url)


@pytest.fixture
def any_db_app(db: Database) -> Iterator[FastAPI]:
    with running_store(db) as server:
        yield intake_app(db, server.url)


def _sign(case: schemathesis.Case, visitor: str, config: Config) -> None:
    """Put the app proxy's parameters and signature around the generated query."""
    extra = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (case.query or {}).items()}
    if visitor == "unsigned":
        return
    customer = visitor if visitor.isdigit() else None
    now = time.time() - (3600 if visitor == "stale" else 0)
    signed = signed_query(config, SHOP, customer, extra=extra, now=now)
    case.query = dict(urllib.parse.parse_qsl(signed, keep_blank_values=True))


def _tokens(
    config: Config, purpose: str, subject: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    """Correctly signed tokens (valid, expired or of another purpose) for any subject."""
    return st.builds(
        lambda p, s, ttl, age: issue_token(config.token_secret, p, s, ttl, now=time.time() - age),
        st.sampled_from([purpose, purpose, "verify" if purpose == "download" else "download"]),
        subject,
        st.integers(1, 10**6),
        st.integers(0, 10**6),
    )


def _authentic(operation: Any, config: Config) -> list[st.SearchStrategy[Any]]:
    """Inputs the schema cannot describe but real clients send: plausible emails, signed
    tokens naming existing and unknown requests and exports."""
    subjects = st.integers(0, 5).map(str) | st.text(min_size=1, max_size=12)
    if operation.path in ("/apps/privacy", "/apps/privacy/api/requests") and operation.body:
        return [st.emails().flatmap(lambda e: operation.as_strategy(body={"email": e}))]
    if operation.path == "/apps/privacy/verify":
        tokens = _tokens(config, "verify", subjects)
        return [tokens.flatmap(lambda t: operation.as_strategy(query={"token": t}))]
    if operation.path == "/apps/privacy/download/{token}":
        tokens = _tokens(config, "download", subjects.map(lambda s: f"export:{s}"))
        return [tokens.flatmap(lambda t: operation.as_strategy(path_parameters={"token": t}))]
    return []


def test_the_schema_lists_every_operation_fuzzed(app: FastAPI) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    found = {(r.ok().method.upper(), r.ok().path) for r in schema.get_all_operations()}
    assert found == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_generated_request_makes_the_intake_answer_5xx(
    app: FastAPI, method: str, path: str
) -> None:
    config: Config = app.state.config
    operation = schemathesis.openapi.from_asgi("/openapi.json", app)[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
        *_authentic(operation, config),
    )
    seen: Counter[int] = Counter()

    @FUZZ_SETTINGS
    @given(case=cases, visitor=st.sampled_from(VISITORS))
    def send(case: schemathesis.Case, visitor: str) -> None:
        _sign(case, visitor, config)
        response = case.call()
        seen[response.status_code] += 1
        assert response.status_code < 500, case.as_curl_command()
        if path.startswith("/apps/privacy/api/") and response.status_code >= 400:
            assert response.json()["detail"], response.text  # a readable reason, never empty

    send()
    assert sum(seen.values()) >= len(VISITORS)  # parameterless operations have few inputs
    record(f"fuzz {method} {path}", {"requests": sum(seen.values()), "statuses": dict(seen)})


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
CUSTOMER = st.fixed_dictionaries(
    {}, optional={"id": JSON | st.integers(1, 10**12), "email": JSON, "phone": JSON}
)
PAYLOAD = st.fixed_dictionaries(
    {},
    optional={
        "shop_id": JSON,
        "shop_domain": st.just(SHOP) | JSON,
        "customer": CUSTOMER | JSON,
        "orders_requested": st.lists(st.integers() | st.text(max_size=12), max_size=5) | JSON,
        "orders_to_redact": st.lists(st.integers(), max_size=5) | JSON,
        "data_request": st.fixed_dictionaries({}, optional={"id": JSON}) | JSON,
    },
)
NUL_PAYLOAD = json.dumps(
    {
        "shop_domain": SHOP,
        "customer": {"id": "7\u0000", "email": "a\u0000b@example.com", "phone": "\u0000"},
        "data_request": {"id": "\u0000"},
        "orders_requested": ["1\u0000"],
    }
).encode()
"""NUL characters are valid JSON but PostgreSQL text cannot hold them (found by this test)."""
OBJECT_BODY = PAYLOAD.map(lambda p: json.dumps(p).encode())
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=110)
TOPICS = st.sampled_from(
    ["customers/data_request", "customers/redact", "shop/redact", "orders/create", ""]
)


def test_authentic_webhooks_of_any_shape_never_answer_5xx(
    any_db_app: FastAPI, db: Database
) -> None:
    """Correctly signed bodies (so they get past the HMAC into parsing and storing) of any
    shape: JSON objects with wrong types, other JSON, bytes that are not JSON."""
    seen: Counter[int] = Counter()
    outcomes: Counter[str] = Counter()
    client = TestClient(any_db_app, raise_server_exceptions=False)

    @settings(FUZZ_SETTINGS, max_examples=WEBHOOK_EXAMPLES)
    @given(
        body=st.one_of(*[OBJECT_BODY] * 3, JSON.map(lambda v: json.dumps(v).encode()), st.binary()),
        topic=TOPICS,
        webhook_id=st.one_of(*[st.uuids().map(str)] * 3, st.none(), HEADER_TEXT),
    )
    @example(body=NUL_PAYLOAD, topic="customers/data_request", webhook_id="nul-in-payload")
    @example(body=NUL_PAYLOAD, topic="customers/redact", webhook_id="nul-in-redact")
    def deliver(body: bytes, topic: str, webhook_id: str | None) -> None:
        headers = {
            "content-type": "application/json",
            "x-shopify-hmac-sha256": sign_webhook(body, SECRET),
            "x-shopify-topic": topic,
            "x-shopify-shop-domain": SHOP,
        }
        if webhook_id is not None:
            headers["x-shopify-webhook-id"] = webhook_id
        response = client.post("/webhooks/shopify", content=body, headers=headers)
        seen[response.status_code] += 1
        expected = (200, 400) if body else (401,)  # an empty body has no HMAC to check
        assert response.status_code in expected, (response.status_code, body, topic, webhook_id)
        if response.status_code == 200:
            outcomes[response.json()["status"]] += 1

    deliver()
    assert seen[200] and seen[400]
    with db.read() as session:
        receipts = session.scalar(select(func.count()).select_from(WebhookReceipt))
    assert receipts == sum(seen.values()) - outcomes["duplicate"] - seen[401]  # each logged once
    figures = {"requests": sum(seen.values()), "statuses": dict(seen), "outcomes": dict(outcomes)}
    record(f"fuzz webhooks (authentic bodies, {db.engine.dialect.name})", figures)
