"""Shared by the store and export tests: a running demo store, a client, requests to export."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from lib.core.config import Config, load_config
from lib.core.db import Database
from lib.core.enums import Channel, RequestType
from lib.core.lifecycle import NewRequest, open_request
from lib.core.models import Job, Request, Store
from lib.intake.app import create_app
from lib.store.client import ShopifyClient
from lib.store.demo_server import DemoStoreServer
from lib.store.demo_store import DemoStore
from lib.store.versions import PINNED
from tests.servers import serve_in_thread

TOKEN = "test-token"
SHOP = "demo-shop.myshopify.com"
FAST = {"bucket": 1e9, "restore_rate": 1e9}
"""Limits high enough that tests about data are never throttled."""


@contextmanager
def running_store(db: Database, **options: Any) -> Iterator[DemoStoreServer]:
    """A demo store over `db` on a free port of 127.0.0.1, stopped afterwards."""
    settings = {**FAST, **options}
    server = DemoStoreServer(DemoStore(db, access_token=TOKEN, **settings)).start()
    try:
        yield server
    finally:
        server.stop()


def client_for(server: DemoStoreServer, **options: Any) -> ShopifyClient:
    """A client of the demo store's shop with short backoffs (tests stay fast)."""
    settings: dict[str, Any] = {"backoff_base": 0.01, "backoff_cap": 0.05, **options}
    return ShopifyClient(server.url, PINNED, TOKEN, SHOP, **settings)


def config_for(server: DemoStoreServer, db: Database, export_dir: Path, **values: Any) -> Config:
    """A Config pointing at `db`, the demo store and `export_dir` (no real shop)."""
    return load_config({}).replace(
        database_url=db.url,
        demo_store_url=server.url,
        demo_store_token=TOKEN,
        export_dir=str(export_dir),
        **values,
    )


def post(server: DemoStoreServer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Call one of the demo store's test endpoints (faults, limits, scopes, reset)."""
    response = httpx.post(f"{server.url}{path}", json=body, timeout=5)
    response.raise_for_status()
    return response.json()


def open_access_request(
    db: Database,
    store: Store,
    email: str,
    *,
    customer_id: str | None = None,
    channel: Channel = Channel.LOGGED_IN,
) -> int:
    """A verified access request (logged-in customers are verified at once); returns its id."""
    with db.write() as session:
        request = open_request(
            session,
            NewRequest(store, RequestType.ACCESS, channel, email, customer_id=customer_id),
            actor="customer",
        )
        return request.id


def request_row(db: Database, request_id: int) -> Request:
    """The request as stored now."""
    with db.read() as session:
        return session.get(Request, request_id)


def job_row(db: Database, job_id: int) -> Job:
    """The job as stored now."""
    with db.read() as session:
        return session.get(Job, job_id)


def wait_until(check: Callable[[], Any], timeout: float = 30.0, every: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")


def config_env(config: Config) -> dict[str, str]:
    """The environment a subprocess needs to load `config` (every field as its variable)."""
    env = {key: value for key, value in os.environ.items() if key not in _CONFIG_NAMES}
    env.update({f.upper(): str(getattr(config, f)) for f in Config.model_fields})
    return env


_CONFIG_NAMES = {name.upper() for name in Config.model_fields}


@contextmanager
def running_intake_app(db: Database, config: Config) -> Iterator[httpx.Client]:
    """The intake service (create_app) under uvicorn on 127.0.0.1; yields a client for it."""
    with (
        serve_in_thread(create_app(db, config)) as base,
        httpx.Client(base_url=base, timeout=10) as http,
    ):
        yield http
