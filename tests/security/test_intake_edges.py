"""The intake's edges (issue 14, findings 5, 6 and 10): who counts as the visitor, which Host
is accepted on loopback, slow headers and bodies, a database lock longer than the busy timeout,
framing.

Everything runs against the real service under uvicorn on 127.0.0.1; slow clients are raw
sockets whose reads are bounded by a socket timeout, never by sleeping.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import make_url

from lib.core import db as core_db
from lib.core.config import Config
from lib.core.db import Database
from lib.core.models import Request
from lib.intake.ratelimit import client_address
from tests.helpers.processes import free_port, running_process
from tests.helpers.stores import make_store
from tests.intake.conftest import Intake, running_intake, sqlite_only

READ_TIMEOUT_S = 15


@pytest.mark.parametrize(
    ("peer", "forwarded", "hops", "visitor"),
    [
        ("10.0.0.5", "", 0, "10.0.0.5"),
        ("10.0.0.5", "203.0.113.9", 0, "10.0.0.5"),  # no proxy trusted: the header is ignored
        ("10.0.0.5", "203.0.113.9", 1, "203.0.113.9"),
        ("10.0.0.5", "1.2.3.4, 203.0.113.9", 1, "203.0.113.9"),  # the visitor wrote 1.2.3.4
        ("10.0.0.5", "1.2.3.4, 203.0.113.9, 10.0.0.4", 2, "203.0.113.9"),
        ("10.0.0.5", "203.0.113.9", 2, "10.0.0.5"),  # fewer entries than proxies: the peer
        (None, "", 0, "unknown"),
    ],
)
def test_the_visitor_is_the_peer_or_the_entry_the_outermost_trusted_proxy_wrote(
    peer: str | None, forwarded: str, hops: int, visitor: str
) -> None:
    assert client_address(peer, forwarded, hops) == visitor


@pytest.fixture
def intake(sqlite_db: Database) -> Iterator[Intake]:
    make_store(sqlite_db)
    with running_intake(sqlite_db, rate_limit_ip_per_hour=3) as running:
        yield running


def test_rotating_x_forwarded_for_does_not_escape_the_per_address_limit(intake: Intake) -> None:
    """Before: the first X-Forwarded-For value was the address, so a new one per request
    made 64 of 64 submissions pass a limit of 60."""
    answers = [
        intake.http.post(
            intake.api_url("requests"),
            json={"email": f"visitor{n}@example.com"},
            headers={"x-forwarded-for": f"198.51.100.{n + 1}"},
        ).status_code
        for n in range(5)
    ]
    assert answers == [202, 202, 202, 429, 429]
    assert intake.count(Request) == 3


def test_behind_one_trusted_proxy_a_forged_left_entry_changes_nothing(
    sqlite_db: Database,
) -> None:
    make_store(sqlite_db)
    with running_intake(sqlite_db, rate_limit_ip_per_hour=2, trusted_proxy_hops=1) as intake:
        answers = [
            intake.http.post(
                intake.api_url("requests"),
                json={"email": f"visitor{n}@example.com"},
                headers={"x-forwarded-for": f"10.9.9.{n}, 203.0.113.9"},
            ).status_code
            for n in range(3)
        ]
        other = intake.http.post(
            intake.api_url("requests"),
            json={"email": "someone@example.com"},
            headers={"x-forwarded-for": "203.0.113.10"},
        )
    assert answers == [202, 202, 429] and other.status_code == 202


def test_on_loopback_only_this_machines_names_are_accepted_as_host(intake: Intake) -> None:
    port = urlsplit(intake.base).port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
        assert intake.http.get("/healthz", headers={"host": host}).status_code == 200
    for host in (f"rebind.attacker.example:{port}", "localhost", f"127.0.0.1:{port + 1}"):
        refused = intake.http.get("/healthz", headers={"host": host})
        assert refused.status_code == 421 and "answers only to localhost" in refused.text
        assert refused.headers["x-frame-options"] == "DENY"


def test_behind_a_proxy_the_public_host_is_accepted(sqlite_db: Database) -> None:
    make_store(sqlite_db)
    with running_intake(sqlite_db, trusted_proxy_hops=1) as intake:
        answer = intake.http.get("/healthz", headers={"host": "privacy-desk.example.com"})
    assert answer.status_code == 200


def test_pages_of_the_intake_itself_cannot_be_framed_storefront_pages_by_the_shop_only(
    intake: Intake,
) -> None:
    for path in ("/healthz", "/openapi.json", "/webhooks/shopify"):
        answer = intake.http.request("POST" if "webhooks" in path else "GET", path)
        assert answer.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"], path
    page = intake.http.get(intake.page_url())
    assert page.status_code == 200 and "x-frame-options" not in page.headers
    assert (
        "frame-ancestors 'self' https://demo-shop.myshopify.com"
        in (page.headers["content-security-policy"])
    )


def _trickle(base: str, first: bytes) -> bytes:
    """Announce a 100-byte body, send `first` of it, then read what the server does."""
    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=READ_TIMEOUT_S) as s:
        s.sendall(
            b"POST /webhooks/shopify HTTP/1.1\r\nHost: " + address.netloc.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n" + first
        )
        received = b""
        while chunk := s.recv(4096):  # until the server closes the connection
            received += chunk
        return received


def test_a_client_trickling_its_body_is_answered_408_and_cut_off(sqlite_db: Database) -> None:
    make_store(sqlite_db)
    with running_intake(sqlite_db, request_timeout_seconds=0.5) as intake:
        received = _trickle(intake.base, b"{")
    assert received.startswith(b"HTTP/1.1 408 ")
    assert b"x-frame-options: DENY" in received.lower().replace(b"deny", b"DENY")
    assert b"request body not received within 0.5 seconds" in received


@contextmanager
def locked(db: Database) -> Iterator[None]:
    """Another program holds SQLite's write lock (outside our writer queue) meanwhile."""
    other = sqlite3.connect(make_url(db.url).database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@sqlite_only
def test_a_lock_longer_than_the_busy_timeout_answers_503_with_retry_after(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_store(db)
    monkeypatch.setattr(core_db, "SQLITE_BUSY_TIMEOUT_MS", 200)  # 30 s in production
    impatient = Database(db.url)
    try:
        with running_intake(impatient) as intake, locked(db):
            answer = intake.http.post(intake.api_url("requests"), json={"email": "a@example.com"})
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "5"
        assert answer.json() == {
            "detail": "The service is busy right now. Please try again in a few seconds."
        }
        assert intake.count(Request) == 0
    finally:
        impatient.dispose()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`python -m lib intake` as deployed, with REQUEST_TIMEOUT_SECONDS=0.5; yields host:port."""
    names = {name.upper() for name in Config.model_fields}
    env = {k: v for k, v in os.environ.items() if k not in names}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}", "REQUEST_TIMEOUT_SECONDS": "0.5"}
    port, log = free_port(), tmp_path / "intake.log"
    argv = [sys.executable, "-m", "lib", "intake", "--port", str(port)]
    with running_process(argv, f"http://127.0.0.1:{port}/healthz", log, env=env):
        yield f"127.0.0.1:{port}"


def _until_closed(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(4096):
        received += chunk
    return received


def test_a_client_trickling_its_headers_is_cut_off(served: str) -> None:
    """uvicorn alone kept such a connection open for ever, before the first request and
    between requests of a kept-alive connection."""
    host, port = served.split(":")
    with socket.create_connection((host, int(port)), timeout=READ_TIMEOUT_S) as sock:
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {served}\r\n".encode())  # no blank line
        assert _until_closed(sock) == b""
    with socket.create_connection((host, int(port)), timeout=READ_TIMEOUT_S) as sock:
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {served}\r\n\r\n".encode())
        first = sock.recv(4096)
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: {served}\r\n".encode())  # the next, slow
        rest = _until_closed(sock)
    assert first.startswith(b"HTTP/1.1 200 ") and b'"status":"ok"' in first + rest
    assert b"HTTP/1.1" not in rest
