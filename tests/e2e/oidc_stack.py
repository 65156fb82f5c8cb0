"""A real OpenID Connect provider (tests/e2e/oidc, npm `oidc-provider`) and a dashboard signing
in through it, both processes on free ports of 127.0.0.1 over a temporary SQLite database.

The provider's packages are installed by `make test` (`npm ci`, when node_modules is missing);
without them the browser tests are skipped with the reason, or fail when CI=true.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from lib.core.config import PROJECT_ROOT
from tests.helpers.processes import free_port, stop_processes, wait_until_up

PROVIDER_DIR = PROJECT_ROOT / "tests" / "e2e" / "oidc"
CLIENT_ID, CLIENT_SECRET = "privacy-desk", "privacy-desk-test-secret"
ADMIN_EMAIL = "admin@desk.test"


def require_provider_packages() -> None:
    """Skip (locally) or fail (CI=true) when node or the provider's packages are missing."""
    missing = None
    if shutil.which("node") is None:
        missing = "node is not installed"
    elif not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        missing = "tests/e2e/oidc/node_modules is missing (make test runs npm ci there)"
    if missing and os.environ.get("CI") == "true":
        pytest.fail(f"OIDC browser tests need the provider: {missing}")
    if missing:
        pytest.skip(f"OIDC browser tests skipped: {missing}")


@dataclass(frozen=True)
class SignInStack:
    """Where the provider and the dashboard answer, and the dashboard's database."""

    provider: str
    dashboard: str
    database_url: str
    logs: Path

    def log(self, name: str, tail: int = 3000) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-tail:]


def secrets_toml(dashboard: str, provider: str, client_kwargs: dict[str, str] | None) -> str:
    """`.streamlit/secrets.toml` as docs/deploy.md describes it, pointing at the provider."""
    lines = [
        "[auth]",
        f'redirect_uri = "{dashboard}/oauth2callback"',
        f'cookie_secret = "{secrets.token_urlsafe(32)}"',
        f'client_id = "{CLIENT_ID}"',
        f'client_secret = "{CLIENT_SECRET}"',
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"',
    ]
    if client_kwargs:
        lines += ["[auth.client_kwargs]", *(f'{k} = "{v}"' for k, v in client_kwargs.items())]
    lines += ["[privacy_desk]", f'admins = ["{ADMIN_EMAIL}"]']
    return "\n".join(lines) + "\n"


@contextmanager
def sign_in_stack(
    work: Path, client_kwargs: dict[str, str] | None = None, demo_requests: int = 60
) -> Iterator[SignInStack]:
    """Demo data, the provider and the dashboard (sign-in configured); stopped afterwards."""
    require_provider_packages()
    ports = {"provider": free_port(), "dashboard": free_port()}
    provider, dashboard = (f"http://127.0.0.1:{ports[n]}" for n in ("provider", "dashboard"))
    database_url = f"sqlite:///{work / 'privacy_desk.db'}"
    (work / "secrets.toml").write_text(secrets_toml(dashboard, provider, client_kwargs))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TOKEN_SECRET": secrets.token_urlsafe(32),
        "DASHBOARD_PORT": str(ports["dashboard"]),
        "DASHBOARD_URL": dashboard,
        "SMTP_URL": "",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    seed = [sys.executable, "-m", "lib", "demo", "--requests", str(demo_requests), "--quiet"]
    seeded = subprocess.run(seed, cwd=PROJECT_ROOT, env=env, capture_output=True, timeout=120)
    if seeded.returncode:
        pytest.fail(f"demo seeding failed:\n{seeded.stderr.decode(errors='replace')[-3000:]}")
    services = {
        "provider": (
            ["node", "provider.mjs", str(ports["provider"]), f"{dashboard}/oauth2callback"],
            PROVIDER_DIR,
            f"{provider}/.well-known/openid-configuration",
        ),
        "dashboard": (
            [sys.executable, "-m", "streamlit", "run", "dashboard_server.py",
             f"--server.port={ports['dashboard']}", "--server.address=127.0.0.1",
             "--server.headless=true", "--server.fileWatcherType=none",
             f"--secrets.files={work / 'secrets.toml'}"],
            PROJECT_ROOT,
            f"{dashboard}/_stcore/health",
        ),
    }  # fmt: skip
    running: list[subprocess.Popen[bytes]] = []
    try:
        for name, (argv, cwd, health) in services.items():
            log = work / f"{name}.log"
            process = subprocess.Popen(
                argv, cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
            )
            running.append(process)
            wait_until_up(health, process, log)
        yield SignInStack(provider, dashboard, database_url, work)
    finally:
        stop_processes(running)
