"""The real dashboard server (`streamlit run dashboard_server.py`, under a base path) streams the
register from its own origin, chunked and byte-exact; `make run` starts it. Its memory against
the number of rows is measured by the benchmark suite (`python -m lib bench --cases csv_report`),
not here: a threshold in the default suite fails by chance on a loaded machine."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select
from streamlit.web.server.app_discovery import discover_asgi_app

from lib.core.config import PROJECT_ROOT, Config, load_config
from lib.core.db import Database
from lib.core.models import Request
from lib.dashboard import actions
from lib.dashboard.queries import Scope
from lib.dashboard.reports import DEFAULT_COLUMNS, request_csv
from lib.dashboard.roles import Actor, Role
from lib.runner import local_services
from tests.helpers.processes import free_port, running_process

ROWS = 100_000
BASE = "desk"
ADMIN = Actor("admin@localhost", Role.ADMIN)


def test_make_run_starts_the_dashboard_server_that_streamlit_runs_as_an_asgi_app() -> None:
    (dashboard,) = [s for s in local_services(Config()) if s.name == "dashboard"]
    assert dashboard.argv[1:5] == ("-m", "streamlit", "run", "dashboard_server.py")
    found = discover_asgi_app(PROJECT_ROOT / "dashboard_server.py")
    assert found.is_asgi_app and found.import_string == "dashboard_server:app"


@dataclass(frozen=True)
class Server:
    url: str
    db: Database
    config: Config

    def link(self, scope: Scope) -> str:
        return self.url + actions.report_link(
            ADMIN, scope, DEFAULT_COLUMNS, base_path=BASE, config=self.config
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """ROWS demo requests in SQLite and the dashboard server over them (local mode)."""
    work = tmp_path_factory.mktemp("report_server")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'privacy_desk.db'}",
        "TOKEN_SECRET": "report-server-test-secret",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    seed = [sys.executable, "-m", "lib", "demo", "--requests", str(ROWS), "--quiet"]
    subprocess.run(seed, cwd=PROJECT_ROOT, env=env, check=True, capture_output=True, timeout=300)
    log = work / "dashboard.log"
    argv = [sys.executable, "-m", "streamlit", "run", "dashboard_server.py",
            f"--server.port={port}", f"--server.baseUrlPath={BASE}", "--server.headless=true",
            "--server.fileWatcherType=none"]  # fmt: skip
    db = Database(env["DATABASE_URL"])
    try:
        with running_process(argv, f"http://127.0.0.1:{port}/{BASE}/_stcore/health", log, env=env):
            yield Server(f"http://127.0.0.1:{port}", db, load_config(env))
    finally:
        db.dispose()


@dataclass
class Streamed:
    sha256: str
    chunks: int
    headers: httpx.Headers


def stream(server: Server, scope: Scope) -> Streamed:
    """Follow a fresh link like a browser (gzip accepted)."""
    digest, chunks = hashlib.sha256(), 0
    with httpx.stream("GET", server.link(scope), timeout=120) as response:
        assert response.status_code == 200, response.read()
        for chunk in response.iter_bytes():
            digest.update(chunk)
            chunks += 1
    return Streamed(digest.hexdigest(), chunks, response.headers)


def expected(server: Server, scope: Scope) -> str:
    digest = hashlib.sha256()
    for chunk in request_csv(server.db, scope, DEFAULT_COLUMNS):
        digest.update(chunk)
    return digest.hexdigest()


@pytest.mark.slow
def test_the_dashboard_still_serves_its_pages_under_the_base_path(server):
    page = httpx.get(f"{server.url}/{BASE}/", timeout=10)
    assert page.status_code == 200 and "<html" in page.text.lower()
    refused = httpx.get(f"{server.url}/{BASE}/reports/requests.csv?token=nope", timeout=10)
    assert refused.status_code == 403 and refused.text == "This download link is not valid."


@pytest.mark.slow
def test_the_full_register_streams_chunked_and_byte_exact(server):
    with server.db.read() as session:
        received = session.scalars(select(Request.received_at).order_by(Request.id)).all()
    assert len(received) == ROWS
    first, last = received[0].date(), received[-1].date()
    full = Scope(None, first, last)
    streamed = stream(server, full)
    assert streamed.sha256 == expected(server, full)
    assert "content-length" not in streamed.headers  # sent as it is read, not built first
    assert streamed.chunks > 1
    assert streamed.headers["content-disposition"] == (
        f'attachment; filename="requests_{first}_{last}.csv"'
    )
