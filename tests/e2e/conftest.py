"""Browser tests: the real processes (`streamlit run dashboard_server.py`, intake, demo store,
worker) on free ports of 127.0.0.1 over a temporary SQLite database, driven by Playwright with
Debian's Chromium (never a downloaded browser). Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from lib.core.config import PROJECT_ROOT
from tests.helpers.processes import free_port, stop_processes, wait_until_up

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
DEMO_REQUESTS = 400


@dataclass(frozen=True)
class Stack:
    """The running installation: where each service answers and its environment."""

    dashboard: str
    intake: str
    env: dict[str, str]
    database_url: str
    logs: Path

    def log(self, name: str, tail: int = 4000) -> str:
        """The end of a service's output (for failure messages)."""
        return (self.logs / f"{name}.log").read_text(errors="replace")[-tail:]


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Demo data, then the demo store, intake, a worker and the dashboard; stopped afterwards.

    A test module's `STACK_ENV` dict adds to (or overrides) the services' environment.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install chromium` (.ci/run does)")
    work = tmp_path_factory.mktemp("e2e")
    ports = {name: free_port() for name in ("dashboard", "intake", "store")}
    database_url = f"sqlite:///{work / 'privacy_desk.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INTAKE_PORT": str(ports["intake"]),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{ports['intake']}",
        "DEMO_STORE_PORT": str(ports["store"]),
        "DEMO_STORE_URL": f"http://127.0.0.1:{ports['store']}",
        "DASHBOARD_PORT": str(ports["dashboard"]),
        "DASHBOARD_URL": f"http://127.0.0.1:{ports['dashboard']}",
        "EXPORT_DIR": str(work / "exports"),
        "SMTP_URL": "",
        "PYTHONPATH": str(PROJECT_ROOT),
        **getattr(request.module, "STACK_ENV", {}),
    }
    seed = [sys.executable, "-m", "lib", "demo", "--requests", str(DEMO_REQUESTS), "--quiet"]
    subprocess.run(seed, cwd=PROJECT_ROOT, env=env, check=True, capture_output=True, timeout=120)
    services = {
        "store": ([sys.executable, "-m", "lib", "store"], f"http://127.0.0.1:{ports['store']}/"),
        "intake": ([sys.executable, "-m", "lib", "intake"], f"http://127.0.0.1:{ports['intake']}/"),
        "worker": ([sys.executable, "-m", "lib", "worker", "--poll", "0.2"], None),
        "dashboard": (
            [sys.executable, "-m", "streamlit", "run", "dashboard_server.py",
             f"--server.port={ports['dashboard']}", "--server.headless=true",
             "--server.fileWatcherType=none"],
            f"http://127.0.0.1:{ports['dashboard']}/_stcore/health",
        ),
    }  # fmt: skip
    running: list[subprocess.Popen[bytes]] = []
    try:
        for name, (argv, health) in services.items():
            log = work / f"{name}.log"
            process = subprocess.Popen(
                argv, cwd=PROJECT_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
            )
            running.append(process)
            if health:
                wait_until_up(health, process, log)
        yield Stack(
            f"http://127.0.0.1:{ports['dashboard']}",
            f"http://127.0.0.1:{ports['intake']}",
            env,
            database_url,
            work,
        )
    finally:
        stop_processes(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium under Playwright (headless, no sandbox: CI runs as root)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, stack):
    """A fresh browser page (its own Streamlit session) at the dashboard, UTC time zone."""
    context = browser.new_context(
        viewport={"width": 1440, "height": 1800}, timezone_id="UTC", accept_downloads=True
    )
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    yield tab
    context.close()
