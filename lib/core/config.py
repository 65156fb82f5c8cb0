"""The one settings object: process configuration from the environment and `.env`.

Deployment facts (where the database is, which ports to bind, secrets) live here. Merchant
preferences that staff change at run time (guest support, notifications, lifetimes) are stored in
the database instead; see `lib.core.settings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "sqlite:///data/privacy_desk.db"


@dataclass(frozen=True, slots=True)
class Config:
    """Typed process configuration; every field is documented in `.env.example`."""

    database_url: str = DEFAULT_DATABASE_URL
    public_base_url: str = "http://127.0.0.1:8000"
    intake_host: str = "127.0.0.1"
    intake_port: int = 8000
    dashboard_port: int = 8501
    dashboard_url: str = "http://localhost:8501"
    demo_store_url: str = "http://127.0.0.1:8081"
    demo_store_port: int = 8081
    demo_store_token: str = "demo-store-token"  # noqa: S105 - the local demo store only
    demo_store_bucket: int = 2000
    demo_store_restore_rate: int = 100
    store_max_attempts: int = 6
    store_backoff_ms: int = 500
    shopify_shop: str = ""
    shopify_access_token: str = ""
    shopify_api_secret: str = "local-dev-secret"  # noqa: S105 - local walk-through only
    shopify_api_version: str = "2026-10"
    token_secret: str = "local-dev-token-secret"  # noqa: S105 - local only
    smtp_url: str = ""
    mail_from: str = "Privacy Desk <privacy@localhost>"
    export_dir: str = "data/exports"
    app_proxy_prefix: str = "/apps/privacy"
    rate_limit_ip_per_hour: int = 60
    rate_limit_email_per_hour: int = 5
    store_timezone: str = "UTC"
    log_level: str = "INFO"

    @property
    def uses_sqlite(self) -> bool:
        """True when the database is SQLite (the single-machine default)."""
        return self.database_url.startswith("sqlite")

    @property
    def demo_mode(self) -> bool:
        """No real shop configured: the bundled demo store answers instead."""
        return not self.shopify_shop

    def export_path(self) -> Path:
        """Export directory, absolute (relative paths are taken from the project root)."""
        path = Path(self.export_dir)
        return path if path.is_absolute() else PROJECT_ROOT / path


def _coerce(raw: str, kind: type | str) -> object:
    if kind in (int, "int"):
        return int(raw)
    return raw


def load_config(env: dict[str, str] | None = None) -> Config:
    """Build a Config from `env` (default: `.env` loaded into the process environment).

    Raises:
        ValueError: a value cannot be read as its type; the message names the variable.
    """
    if env is None:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        env = dict(os.environ)
    values: dict[str, object] = {}
    for field in fields(Config):
        raw = env.get(field.name.upper())
        if raw is None or raw == "":
            continue
        try:
            values[field.name] = _coerce(raw, field.type)
        except ValueError as exc:
            raise ValueError(f"{field.name.upper()}={raw!r} is not a valid {field.type}") from exc
    return Config(**values)  # type: ignore[arg-type]


@cache
def get_config() -> Config:
    """The process-wide Config, read once."""
    return load_config()
