"""Security posture beyond single features: what a failure shows, where packages can be read.

(The committed Streamlit configuration — XSRF protection on, CORS protection on, error details
hidden, data export off — is checked in tests/test_config_files.py; which roles may read or
deliver a package in tests/dashboard/test_actions.py.)
"""

from __future__ import annotations

import json
import stat
import uuid
from pathlib import Path

import pytest

from lib.core.db import Database
from lib.intake.links import signed_query
from lib.security import sign_webhook
from tests.helpers.delivery import Ready, build_ready
from tests.intake.conftest import SHOP, running_intake

LEAKY = ("Traceback", "sqlite", "no such table", "OperationalError", "SELECT", "INSERT", ".py")


def test_an_internal_failure_answers_without_details(tmp_path: Path) -> None:
    """A database the service cannot use (here: never migrated) makes every write fail inside
    the service; the visitor gets a bare 500, not the SQL, the error or the file's path."""
    broken = Database(f"sqlite:///{tmp_path / 'never-migrated.db'}")
    with running_intake(broken) as intake:
        query = signed_query(intake.config, SHOP)
        page = signed_query(intake.config, SHOP, extra={"view": "page"})
        prefix = intake.config.app_proxy_prefix
        body = json.dumps({"shop_domain": SHOP, "customer": {"id": 1}}).encode()
        close = {"connection": "close"}  # the server drops a connection after an error
        hook = {
            "x-shopify-hmac-sha256": sign_webhook(body, intake.config.shopify_api_secret),
            "x-shopify-topic": "customers/data_request",
            "x-shopify-webhook-id": str(uuid.uuid4()),
            **close,
        }
        answers = [
            intake.http.post(
                f"{prefix}/api/requests?{query}", json={"email": "a@example.com"}, headers=close
            ),
            intake.http.post(f"{prefix}?{page}", data={"email": "a@example.com"}, headers=close),
            intake.http.post("/webhooks/shopify", content=body, headers=hook),
        ]
    broken.dispose()
    for answer in answers:
        assert answer.status_code == 500
        assert answer.text == "Internal Server Error"
        assert not any(word in answer.text for word in (*LEAKY, str(tmp_path)))


@pytest.fixture
def ready(sqlite_db: Database, tmp_path: Path):
    """A built package waiting for review, the intake serving links (tests/jobs helpers)."""
    yield from build_ready(sqlite_db, tmp_path)


def test_packages_are_readable_by_their_owner_only(ready: Ready) -> None:
    path = Path(ready.export.path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)


def test_packages_are_served_only_through_a_valid_link(ready: Ready) -> None:
    name = Path(ready.export.path).name
    prefix = ready.config.app_proxy_prefix
    attempts = [
        f"/{name}",
        f"{prefix}/{name}",
        f"{prefix}/download/{name}",
        f"{prefix}/download/..%2F{name}",
        f"{prefix}/download/%2e%2e%2f%2e%2e%2f{name}",
        f"{prefix}/download/../../{name}",
        f"{prefix}/exports/{name}",
        f"/data/exports/{name}",
    ]
    for path in attempts:
        response = ready.http.get(path)
        assert response.status_code in (401, 404), (path, response.status_code)
        assert not response.content.startswith(b"PK"), path
    _delivery, link = ready.deliver()
    assert ready.http.get(link).content == Path(ready.export.path).read_bytes()
