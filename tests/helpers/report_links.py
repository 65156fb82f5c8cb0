"""The report route served over a real socket, and what a refused link must not change."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import func, select
from starlette.applications import Starlette

from lib.core.config import Config
from lib.core.db import Database
from lib.core.models import RequestEvent, UsedToken
from lib.dashboard.reports import COLUMNS
from lib.dashboard.server import report_routes
from tests.servers import serve_in_thread

BASE = "desk"
ALL = tuple(COLUMNS)


def config_for(db: Database) -> Config:
    """The settings the report route runs with over `db`."""
    return Config(database_url=db.url, token_secret="report-link-test-secret")


@contextmanager
def serving(
    db: Database,
    *,
    sign_in: bool = False,
    admins: tuple[str, ...] = (),
    local_ok: bool = True,
    config: Config | None = None,
) -> Iterator[httpx.Client]:
    """The report route under uvicorn on 127.0.0.1, as `dashboard_server.py` mounts it."""
    config = config or config_for(db)
    app = Starlette(
        routes=report_routes(
            BASE,
            db=lambda: db,
            config=lambda: config,
            sign_in=lambda: sign_in,
            admins=lambda: admins,
            local_ok=lambda: local_ok,
        )
    )
    with serve_in_thread(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def state(db: Database) -> tuple[int, int]:
    """(audit events, used tokens): what a refused link must leave alone."""
    with db.read() as session:
        events = session.scalar(select(func.count()).select_from(RequestEvent))
        used = session.scalar(select(func.count()).select_from(UsedToken))
    return events, used
