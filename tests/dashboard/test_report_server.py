"""The real dashboard server (`streamlit run dashboard_server.py`, under a base path) streams the
register from its own origin with memory that does not grow with the rows; `make run` starts it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import httpx
import psutil
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
from tests.e2e.conftest import free_port, wait_until_up

ROWS = 100_000
SMALL_ROWS = 15_000  # three batches: the per-batch working set is reached already
BASE = "desk"
ADMIN = Actor("admin@localhost", Role.ADMIN)
# A download held in memory costs ~360 B a row (624k rows: 217 → 440 MB); the 85,000 rows
# between the two ranges would add ~30 MB. Streamed, the peak does not move with the rows.
MAX_EXTRA_PEAK_MB = 10


def test_make_run_starts_the_dashboard_server_that_streamlit_runs_as_an_asgi_app() -> None:
    (dashboard,) = [s for s in local_services(Config()) if s.name == "dashboard"]
    assert dashboard.argv[1:5] == ("-m", "streamlit", "run", "dashboard_server.py")
    found = discover_asgi_app(PROJECT_ROOT / "dashboard_server.py")
    assert found.is_asgi_app and found.import_string == "dashboard_server:app"


@dataclass(frozen=True)
class Server:
    url: str
    process: psutil.Process
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
    process = subprocess.Popen(
        argv, cwd=PROJECT_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    db = Database(env["DATABASE_URL"])
    try:
        wait_until_up(f"http://127.0.0.1:{port}/{BASE}/_stcore/health", process, log)
        yield Server(f"http://127.0.0.1:{port}", psutil.Process(process.pid), db, load_config(env))
    finally:
        db.dispose()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Streamed:
    sha256: str
    peak_growth_mb: float
    headers: httpx.Headers


def stream(server: Server, scope: Scope) -> Streamed:
    """Follow a fresh link like a browser (gzip accepted) while sampling the server's RSS."""
    url = server.link(scope)
    before = server.process.memory_info().rss
    peak, done = before, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, server.process.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    digest = hashlib.sha256()
    try:
        with httpx.stream("GET", url, timeout=120) as response:
            assert response.status_code == 200, response.read()
            for chunk in response.iter_bytes():
                digest.update(chunk)
    finally:
        done.set()
        sampler.join()
    return Streamed(digest.hexdigest(), (peak - before) / 1e6, response.headers)


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
def test_the_full_register_streams_with_flat_memory(server):
    with server.db.read() as session:
        received = session.scalars(select(Request.received_at).order_by(Request.id)).all()
    assert len(received) == ROWS
    first, nth, last = received[0].date(), received[SMALL_ROWS].date(), received[-1].date()
    small, full = Scope(None, first, nth), Scope(None, first, last)
    stream(server, Scope(None, date(2000, 1, 1), date(2000, 1, 1)))  # warm up: imports, pool
    a = stream(server, small)
    b = stream(server, full)
    assert b.sha256 == expected(server, full)
    assert "content-length" not in b.headers
    assert b.headers["content-disposition"] == f'attachment; filename="requests_{first}_{last}.csv"'
    assert b.peak_growth_mb - a.peak_growth_mb < MAX_EXTRA_PEAK_MB, (a, b)
