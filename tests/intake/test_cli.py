"""`python -m lib intake` and `python -m lib links` as real processes (the local walk-through)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse

import httpx
import pytest

from lib.core.config import PROJECT_ROOT
from lib.core.db import Database
from lib.security import verify_app_proxy_query
from tests.helpers.cli import run_lib
from tests.helpers.processes import free_port
from tests.intake.conftest import ADA, add_customer

SECRET = "cli-proxy-secret"


@pytest.fixture
def env(sqlite_db: Database, store) -> dict[str, str]:
    add_customer(sqlite_db, *ADA)
    return {
        **os.environ,
        "DATABASE_URL": sqlite_db.url,
        "SHOPIFY_API_SECRET": SECRET,
        "TOKEN_SECRET": "cli-token-secret",
        "SMTP_URL": "",
        "INTAKE_HOST": "127.0.0.1",
        "INTAKE_PORT": str(free_port()),
    }


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


def _links(env: dict[str, str], *args: str) -> dict[str, str]:
    result = run_lib("links", *args, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    return {lines[i].rstrip(":"): lines[i + 1].strip() for i in range(0, len(lines) - 1, 2)}


def test_links_are_signed_as_the_app_proxy_would(env: dict[str, str]) -> None:
    links = _links(env, "--count", "1", "--customer", "555")
    assert list(links) == [
        "as a guest",
        "as customer 101 (Ada Lovelace <ada@example.com>)",
        "as customer 555",
    ]
    customers = []
    for url in links.values():
        assert url.startswith(f"http://127.0.0.1:{env['INTAKE_PORT']}/apps/privacy?")
        context = verify_app_proxy_query(urllib.parse.urlsplit(url).query, SECRET)
        assert context.shop == "demo-shop.myshopify.com"
        customers.append(context.logged_in_customer_id)
    assert customers == [None, "101", "555"]


def test_the_intake_command_serves_the_walk_through(env: dict[str, str]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "lib", "intake", "--port", env["INTAKE_PORT"]],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{env['INTAKE_PORT']}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "intake did not start"
            time.sleep(0.1)
        links = _links(env, "--count", "1")
        page = httpx.get(links["as customer 101 (Ada Lovelace <ada@example.com>)"])
        assert page.status_code == 200 and "logged in as Ada Lovelace" in page.text
        guest = httpx.post(links["as a guest"], data={"email": "ada@example.com"})
        assert guest.status_code == 200 and "Verify Request" in guest.text
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0
    assert '"POST /apps/privacy?… HTTP/1.1" 200' in output  # access log without the query
    assert "signature=" not in output and "ada@example.com" not in output


def test_make_run_starts_the_intake_service_and_a_worker() -> None:
    from lib.core.config import Config
    from lib.runner import local_services

    services = {service.name: service.argv for service in local_services(Config())}
    assert services["intake"][1:] == ("-m", "lib", "intake")
    assert services["worker"][1:] == ("-m", "lib", "worker")
