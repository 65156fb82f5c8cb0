"""`make run`: start every Privacy Desk process locally and stop them all together."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from lib.core.config import PROJECT_ROOT, Config

POLL_SECONDS = 0.5
STOP_GRACE_SECONDS = 10


@dataclass(frozen=True, slots=True)
class Service:
    """One process of the local installation."""

    name: str
    argv: tuple[str, ...]
    url: str | None = None


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
    demo_store = [Service("demo store", (*python, "store"), config.demo_store_url)]
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


def run_services(services: list[Service]) -> int:
    """Start `services`; when one exits or Ctrl-C is pressed, stop the rest. Returns the status."""
    running: list[tuple[Service, subprocess.Popen[bytes]]] = []
    try:
        for service in services:
            running.append((service, subprocess.Popen(service.argv, cwd=PROJECT_ROOT)))
            where = f" at {service.url}" if service.url else ""
            print(f"started {service.name}{where}", flush=True)
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


def _stop(running: list[tuple[Service, subprocess.Popen[bytes]]]) -> None:
    for _service, process in running:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for _service, process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
