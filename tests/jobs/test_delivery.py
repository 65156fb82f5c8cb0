"""Delivery: the customer's expiring link through the real intake service, and refusals."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from lib.core.db import Database
from lib.core.enums import EventKind, Status
from lib.core.lifecycle import LifecycleError
from lib.core.models import Delivery, Export, OutboxMail, RequestEvent, utcnow
from lib.jobs.delivery import deliver, revoke
from lib.jobs.exports import package_passphrase
from lib.security import issue_token
from tests.helpers.delivery import Ready, build_ready
from tests.helpers.export import read_package
from tests.store.helpers import (
    request_row,
)


@pytest.fixture
def ready(db: Database, tmp_path: Path) -> Iterator[Ready]:
    yield from build_ready(db, tmp_path)


def test_valid_link_serves_the_exact_file_counts_audits_and_completes(ready: Ready) -> None:
    delivery, link = ready.deliver()
    assert request_row(ready.db, ready.request_id).status == Status.DELIVERED
    with ready.db.read() as session:
        mail = session.scalars(select(OutboxMail).where(OutboxMail.template == "data_ready")).one()
    assert mail.to_addr == "ada@example.com" and link in mail.text_body and link in mail.html_body
    assert delivery.expires_at - utcnow() > timedelta(days=6, hours=23)  # default: 7 days

    response = ready.http.get(link)
    assert response.status_code == 200
    assert response.content == Path(ready.export.path).read_bytes()
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    assert request_row(ready.db, ready.request_id).status == Status.COMPLETED
    with ready.db.read() as session:
        stored = session.get(Delivery, delivery.id)
        event = session.scalars(
            select(RequestEvent).where(RequestEvent.kind == EventKind.DOWNLOAD)
        ).one()
    assert stored.downloads == 1 and stored.last_download_at is not None
    assert event.request_id == ready.request_id and event.details["count"] == 1

    assert ready.http.get(link).content == response.content  # second of two allowed downloads
    before = ready.state()
    refused = ready.http.get(link)
    assert refused.status_code == 410 and "used up" in refused.text
    assert ready.state() == before  # over the limit: nothing counted, nothing audited


def test_revoked_link_is_refused_and_changes_nothing(ready: Ready) -> None:
    delivery, link = ready.deliver()
    with ready.db.write() as session:
        assert revoke(session, session.get(Delivery, delivery.id), "merchant", "sent to a typo")
        assert not revoke(session, session.get(Delivery, delivery.id), "merchant")
    before = ready.state()
    refused = ready.http.get(link)
    assert refused.status_code == 410 and "withdrawn" in refused.text
    assert "zip" not in refused.headers["content-type"]
    assert ready.state() == before and before[2] == Status.DELIVERED


def test_expired_links_are_refused_and_change_nothing(ready: Ready) -> None:
    _delivery, link = ready.deliver()
    with ready.db.write() as session:  # the link's lifetime ended (stored expiry)
        session.execute(update(Delivery).values(expires_at=utcnow() - timedelta(seconds=1)))
    before = ready.state()
    refused = ready.http.get(link)
    assert refused.status_code == 410 and "expired" in refused.text
    old = issue_token(ready.config.token_secret, "download", "export:1", 60, now=time.time() - 120)
    stale = ready.http.get(f"/apps/privacy/download/{old}")  # the token itself has expired
    assert stale.status_code == 410 and "expired" in stale.text
    assert ready.state() == before


def test_forged_and_foreign_tokens_are_refused(ready: Ready) -> None:
    _delivery, link = ready.deliver()
    payload, mac = link.rsplit("/", 1)[1].split(".")
    forged_mac = ("A" if mac[0] != "A" else "B") + mac[1:]
    other_secret = issue_token("someone-else", "download", "export:1", 3600)
    wrong_purpose = issue_token(ready.config.token_secret, "verify", "1", 3600)
    unknown = issue_token(ready.config.token_secret, "download", "export:1", 3600)
    before = ready.state()
    for token in (f"{payload}.{forged_mac}", other_secret, wrong_purpose, unknown, "garbage"):
        refused = ready.http.get(f"/apps/privacy/download/{token}")
        assert refused.status_code == 404 and "not valid" in refused.text
    assert ready.state() == before


def test_encrypted_package_passphrase_goes_in_a_separate_mail(
    sqlite_db: Database, tmp_path: Path
) -> None:
    for ready in build_ready(sqlite_db, tmp_path, encrypt=True):
        _delivery, link = ready.deliver()
        with sqlite_db.read() as session:
            mails = {m.template: m for m in session.scalars(select(OutboxMail))}
        passphrase = package_passphrase(ready.config, ready.export)
        assert passphrase in mails["passphrase"].text_body
        assert (
            passphrase not in mails["data_ready"].text_body
            and link not in mails["passphrase"].text_body
        )
        downloaded = tmp_path / "got.zip"
        downloaded.write_bytes(ready.http.get(link).content)
        assert "orders.csv" in read_package(downloaded, passphrase)


def test_only_reviewed_packages_are_delivered(ready: Ready) -> None:
    ready.deliver()
    ready.deliver()  # a new link for an already delivered request (e.g. the first expired)
    with ready.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 2
    Path(ready.export.path).unlink()
    with ready.db.write() as session, pytest.raises(LifecycleError, match="no longer on disk"):
        deliver(session, session.get(Export, ready.export.id), "merchant", config=ready.config)
