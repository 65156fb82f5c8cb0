"""A built package waiting for review with the intake running, to deliver and download it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import func, select

from lib.core.config import Config
from lib.core.db import Database
from lib.core.models import Delivery, Export, RequestEvent
from lib.core.settings import set_setting
from lib.jobs.delivery import deliver
from lib.store.demo_data import add_demo_customer
from tests.helpers.export import click_export, run_worker
from tests.helpers.stores import make_store
from tests.store.helpers import (
    config_for,
    open_access_request,
    request_row,
    running_intake_app,
    running_store,
)

LINK = re.compile(r"/apps/privacy/download/[A-Za-z0-9_\-.]+")


@dataclass
class Ready:
    """A request whose package is built and waiting for review, and the running intake."""

    db: Database
    config: Config
    request_id: int
    export: Export
    http: httpx.Client

    def deliver(self) -> tuple[Delivery, str]:
        with self.db.write() as session:
            export = session.get(Export, self.export.id)
            result = deliver(session, export, "merchant@shop.test", config=self.config)
        return result.delivery, LINK.search(result.url).group()

    def state(self) -> tuple[int, int, str]:
        """(downloads of all links, audit events of the request, request status)."""
        with self.db.read() as session:
            downloads = session.scalar(select(func.sum(Delivery.downloads))) or 0
            events = session.scalar(
                select(func.count())
                .select_from(RequestEvent)
                .where(RequestEvent.request_id == self.request_id)
            )
        return downloads, events, request_row(self.db, self.request_id).status


def build_ready(db: Database, tmp_path: Path, *, encrypt: bool = False) -> Iterator[Ready]:
    store = make_store(db)
    ada = add_demo_customer(db, email="ada@example.com", orders=4)
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with db.write() as session:
        set_setting(session, "download_max", 2, "admin@shop.test")
        set_setting(session, "encrypt_exports", encrypt, "admin@shop.test")
    with running_store(db) as server:
        config = config_for(server, db, tmp_path / "exports", token_secret="test-token-secret")
        click_export(db, request_id)
        run_worker(db, config)
        with db.read() as session:
            export = session.scalars(select(Export)).one()
        with running_intake_app(db, config) as http:
            yield Ready(db, config, request_id, export, http)
