"""One full flow through the real processes — `python -m lib intake`, `python -m lib worker`, the
demo store, an SMTP server with a password — with staff actions from the dashboard's library:

guest request → verification mail → verify link → settings and role changes → export → review
download → delivery (link and passphrase mails) → customer download → revoke → a compliance
webhook. Then, with every process at DEBUG log level:

- no secret and no token appears in any log (intake, worker, this process): TOKEN_SECRET,
  SHOPIFY_API_SECRET, the SMTP and database passwords, the store token, the app proxy
  signatures, the verify and download tokens, the package passphrase, the webhook HMAC;
- every export, download, delivery, revocation, setting change and role change is in the
  audit trail, and `python -m lib audit verify` confirms the chain.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from lib.core.config import PROJECT_ROOT, load_config
from lib.core.db import Database
from lib.core.enums import EventKind, MailStatus, Status
from lib.core.models import Delivery, Export, OutboxMail, Request, RequestEvent
from lib.dashboard import actions, store_actions
from lib.dashboard.roles import Role
from lib.intake.links import signed_query
from lib.jobs.exports import package_passphrase
from lib.security import sign_webhook
from lib.store.demo_data import add_demo_customer
from lib.store.demo_server import DemoStoreServer
from lib.store.demo_store import DemoStore
from tests.dashboard.conftest import actor
from tests.helpers.processes import free_port
from tests.helpers.stores import make_store
from tests.intake.conftest import verify_link
from tests.mail.smtp_sink import SmtpSink, text_part
from tests.reliability.processes import environment, running, start_intake, start_worker
from tests.store.helpers import FAST, wait_until

SHOP = "demo-shop.myshopify.com"
TOKEN_SECRET = "tok-secret-3c1f8e2a9b"
API_SECRET = "shpss-secret-9d4b7c11e0"
SMTP_PASSWORD = "smtp-pass-77e0c4d1"
DB_PASSWORD = "db-pass-5a9f3e21"
STORE_TOKEN = "shpat-store-token-0b8c2f6d"
LINK = re.compile(r"https?://\S+/download/[A-Za-z0-9_\-.]+")
HARNESS_LOGGERS = ("mail.log", "asyncio", "httpx", "httpcore")
"""This process's loggers that belong to the test harness (its SMTP server, its HTTP client
following the links), not to Privacy Desk."""


def _database_url(db: Database) -> str:
    """The database URL with a password in it (PostgreSQL here trusts local users, so any
    password connects): it must never be logged."""
    if db.is_sqlite:
        return db.url
    return db.url.replace("postgres@", f"postgres:{DB_PASSWORD}@", 1)


def _status(db: Database, request_id: int) -> str:
    with db.read() as session:
        return session.get(Request, request_id).status


def _all_sent(db: Database) -> bool:
    with db.read() as session:
        statuses = set(session.scalars(select(OutboxMail.status)))
    return statuses == {MailStatus.SENT}


@pytest.mark.slow
def test_a_full_flow_logs_no_secret_and_audits_every_action(
    db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture, point_process_at
) -> None:
    caplog.set_level(logging.DEBUG)
    make_store(db, SHOP)
    add_demo_customer(db, email="ada@example.com", orders=3)
    sink = SmtpSink(credentials=("privacy-desk", SMTP_PASSWORD)).start()
    store = DemoStoreServer(DemoStore(db, access_token=STORE_TOKEN, **FAST)).start()
    port = free_port()
    config = load_config({}).replace(
        database_url=_database_url(db),
        public_base_url=f"http://127.0.0.1:{port}",
        demo_store_url=store.url,
        demo_store_token=STORE_TOKEN,
        shopify_api_secret=API_SECRET,
        token_secret=TOKEN_SECRET,
        smtp_url=f"smtp+insecure://privacy-desk:{SMTP_PASSWORD}@127.0.0.1:{sink.port}",
        export_dir=str(tmp_path / "exports"),
        log_level="DEBUG",
    )
    point_process_at(config)  # the dashboard's actions read the process configuration
    env = environment(config)
    admin, merchant = actor(Role.ADMIN), actor(Role.MERCHANT)
    signatures: list[str] = []
    try:
        intake = start_intake(env, tmp_path / "logs", port=port)
        worker = start_worker(env, tmp_path / "logs")
        with running(intake, worker), httpx.Client(base_url=intake.url, timeout=20) as http:
            query = signed_query(config, SHOP, extra={"view": "page"})
            signatures.append(urllib.parse.parse_qs(query)["signature"][0])
            page = http.post(
                f"{config.app_proxy_prefix}?{query}", data={"email": "ada@example.com"}
            )
            assert page.status_code == 200
            [verify_mail] = sink.wait_for(1, timeout=30)
            verify = verify_link(text_part(verify_mail))
            assert http.get(verify, follow_redirects=False).status_code == 303
            with db.read() as session:
                request_id = session.scalars(select(Request.id)).one()
            assert _status(db, request_id) == Status.VERIFIED

            actions.change_settings(db, admin, {"encrypt_exports": True, "download_max": 2})
            actions.set_role(db, admin, "analyst@shop.example", "analyst")
            store_actions.start_export(db, merchant, request_id)
            wait_until(lambda: _status(db, request_id) == Status.READY_FOR_REVIEW, timeout=60)
            with db.read() as session:
                export = session.scalars(select(Export)).one()
            review = store_actions.review_package(db, merchant, export.id)
            link = store_actions.deliver(db, merchant, export.id)
            wait_until(lambda: _all_sent(db), timeout=30)
            mails = {m["Subject"]: text_part(m) for m in sink.messages}
            assert any(link in body for body in mails.values())
            download = http.get(link.replace(config.public_base_url, ""))
            assert download.status_code == 200 and download.content == review.data
            with db.read() as session:
                delivery = session.scalars(select(Delivery)).one()
            store_actions.revoke(db, merchant, delivery.id, "test of the audit trail")

            body = json.dumps(
                {"shop_domain": SHOP, "customer": {"id": 7, "email": "bob@example.com"},
                 "data_request": {"id": 42}, "orders_requested": []}
            ).encode()  # fmt: skip
            hmac_header = sign_webhook(body, API_SECRET)
            hook = http.post(
                "/webhooks/shopify",
                content=body,
                headers={
                    "content-type": "application/json",
                    "x-shopify-hmac-sha256": hmac_header,
                    "x-shopify-topic": "customers/data_request",
                    "x-shopify-shop-domain": SHOP,
                    "x-shopify-webhook-id": str(uuid.uuid4()),
                },
            )
            assert hook.status_code == 200
            wait_until(lambda: _all_sent(db), timeout=30)
            assert worker.stop() == 0  # (uvicorn re-raises SIGTERM after its graceful stop)
            intake.stop()
    finally:
        store.stop()
        sink.stop()

    verify_token = verify.split("token=", 1)[1]
    download_token = link.rsplit("/", 1)[1]
    passphrase = package_passphrase(config, export)
    secrets = {
        "TOKEN_SECRET": TOKEN_SECRET,
        "SHOPIFY_API_SECRET": API_SECRET,
        "SMTP password": SMTP_PASSWORD,
        "database password": DB_PASSWORD,
        "store access token": STORE_TOKEN,
        "verify token": verify_token,
        "verify token MAC": verify_token.rsplit(".", 1)[1],
        "download token": download_token,
        "download token MAC": download_token.rsplit(".", 1)[1],
        "package passphrase": passphrase,
        "webhook HMAC": hmac_header,
        **{f"proxy signature {n}": s for n, s in enumerate(signatures)},
    }
    own = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if not r.name.startswith(HARNESS_LOGGERS)
    )
    logs = {"intake": intake.output(), "worker": worker.output(), "this process": own}
    assert 'POST /apps/privacy?… HTTP/1.1" 200' in logs["intake"]  # access log on, redacted
    assert 'GET /apps/privacy/download/… HTTP/1.1" 200' in logs["intake"]
    assert "worker worker started" in logs["worker"]
    assert all(secrets.values())
    leaks = [(what, where) for what, value in secrets.items() for where, text in logs.items()
             if value in text]  # fmt: skip
    assert leaks == []

    with db.read() as session:
        events = session.scalars(select(RequestEvent).order_by(RequestEvent.seq)).all()
        total = session.scalar(select(func.count()).select_from(RequestEvent))
    kinds = [(e.kind, e.actor) for e in events]
    assert (EventKind.EXPORT, "system") in kinds
    assert (EventKind.DOWNLOAD, merchant.email) in kinds  # the review download
    assert (EventKind.DOWNLOAD, "customer") in kinds
    delivered = [e for e in events if e.to_status == Status.DELIVERED]
    assert delivered[0].actor == merchant.email and delivered[0].details["delivery_id"]
    revoked = [e for e in events if e.reason and e.reason.startswith("download link revoked")]
    assert revoked[0].actor == merchant.email
    settings = {e.details["key"] for e in events if e.kind == EventKind.SETTING}
    assert settings == {"encrypt_exports", "download_max"}
    roles = [e.details for e in events if e.kind == EventKind.ROLE]
    assert roles == [{"email": "analyst@shop.example", "before": None, "after": "analyst"}]
    assert (EventKind.TRANSITION, "shopify") in kinds  # the webhook's request

    checked = subprocess.run(
        [sys.executable, "-m", "lib", "audit", "verify"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == f"audit chain intact: {total} events verified"
