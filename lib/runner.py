"""`make run`: start every Privacy Desk process locally and stop them all together.

With no real shop configured the demo store starts first, and once it answers every store is
connected to it as a real shop of the merchant's own organisation is: the client-credentials
grant (`lib.store.connect_client_credentials`), so the demo shops' tokens expire and are renewed
like real ones.

Each process runs in a process group of its own, so Ctrl-C reaches only the runner, which then
asks every process once (SIGTERM) to stop: a second signal would make uvicorn and Streamlit
abort with tracebacks, and a process that exits before the runner has noticed the Ctrl-C would
end `make run` with an error status.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import select

from lib.core.config import PROJECT_ROOT, Config
from lib.core.db import get_database
from lib.core.models import Store
from lib.store import StoreError, connect_client_credentials

POLL_SECONDS = 0.5
STOP_GRACE_SECONDS = 5
DEMO_STORE_START_SECONDS = 15.0


@dataclass(frozen=True, slots=True)
class Service:
    """One process of the local installation."""

    name: str
    argv: tuple[str, ...]
    url: str | None = None
    started: Callable[[], object] | None = None
    """Run once the process was started, before the next one starts (e.g. wait until it answers)."""


SECRETS = PROJECT_ROOT / ".streamlit" / "secrets.toml"


def sign_in_configured(secrets: Path = SECRETS) -> bool:
    """True when OIDC sign-in (`[auth]`) is configured: then the dashboard is not local."""
    try:
        return "auth" in tomllib.loads(secrets.read_text())
    except (FileNotFoundError, tomllib.TOMLDecodeError):
        return False


def local_services(config: Config, secrets: Path = SECRETS) -> list[Service]:
    """The processes `make run` starts, in start order."""
    python = (sys.executable, "-m", "lib")
    intake = f"http://{config.intake_host}:{config.intake_port}"
    demo_store = [
        Service(
            "demo store",
            (*python, "store"),
            config.demo_store_url,
            started=None if config.shopify_admin_url else lambda: connect_demo_shops(config),
        )
    ]
    return [
        *(demo_store if config.demo_mode else []),  # the shop when SHOPIFY_SHOP is unset
        Service("intake", (*python, "intake"), f"{intake}/healthz (try `python -m lib links`)"),
        Service("worker", (*python, "worker")),
        Service(
            "dashboard",
            (
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "dashboard_server.py",  # dashboard.py plus the streamed report download
                f"--server.port={config.dashboard_port}",
                # tracebacks may carry personal data: shown only in local mode
                *(() if sign_in_configured(secrets) else ("--client.showErrorDetails=full",)),
            ),
            f"http://localhost:{config.dashboard_port}",
        ),
    ]


def connect_demo_shops(config: Config, timeout: float = DEMO_STORE_START_SECONDS) -> list[str]:
    """Wait until the demo store answers, then connect every store to it with the
    client-credentials grant, as a real shop is; returns the shops connected. All of them: the
    demo store forgets the tokens it issued when it stops."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(f"{config.demo_store_url.rstrip('/')}/health", timeout=1).raise_for_status()
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                where = config.demo_store_url
                message = f"the demo store did not answer at {where} within {timeout:.0f} s"
                raise StoreError(message) from None
            time.sleep(POLL_SECONDS)
    db = get_database(config.database_url)
    with db.read() as session:
        shops = list(session.scalars(select(Store.shop_domain).order_by(Store.id)))
    for shop in shops:
        connect_client_credentials(db, config, shop)
        print(f"connected {shop} to the demo store (client credentials)", flush=True)
    return shops


def run_services(services: list[Service]) -> int:
    """Start `services`; when one exits or Ctrl-C is pressed, stop the rest. Returns the status."""
    running: list[tuple[Service, subprocess.Popen[bytes]]] = []
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        for service in services:
            process = subprocess.Popen(service.argv, cwd=PROJECT_ROOT, process_group=0)
            running.append((service, process))
            where = f" at {service.url}" if service.url else ""
            print(f"started {service.name}{where}", flush=True)
            if service.started is not None:
                try:
                    service.started()
                except StoreError as exc:
                    print(f"{service.name}: {exc}; stopping", flush=True)
                    return 1
        while True:
            for service, process in running:
                if process.poll() is not None:
                    print(f"{service.name} exited with status {process.returncode}; stopping")
                    return process.returncode or 1
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        print("stopping…", flush=True)
        return 0
    finally:
        _stop(running)
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops `make run` the way Ctrl-C does."""
    raise KeyboardInterrupt


def _stop(running: list[tuple[Service, subprocess.Popen[bytes]]]) -> None:
    for _service, process in running:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for _service, process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
