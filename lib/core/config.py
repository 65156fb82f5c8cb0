"""The one settings object: process configuration from the environment and `.env`.

Deployment facts (where the database is, which ports to bind, secrets) live here. Merchant
preferences that staff change at run time (guest support, notifications, lifetimes) are stored in
the database instead; see `lib.core.settings`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import load_dotenv
from pydantic import ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "sqlite:///data/privacy_desk.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names its variable."""


class Config(BaseSettings):
    """Typed, validated process configuration; every field is documented in `.env.example`.

    `Config(...)` takes its arguments and defaults only, so code and tests mean exactly what
    they write; `load_config` reads the environment. Instances are frozen: `replace` makes a
    changed, validated copy.
    """

    model_config = SettingsConfigDict(frozen=True, extra="forbid", validate_default=True)

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
    shopify_api_key: str = "local-dev-client-id"  # the app's client id
    shopify_admin_url: str = ""  # e.g. https://{shop}; empty: the demo store without SHOPIFY_SHOP
    shopify_scopes: str = (  # = lib.store.scopes.NEEDED and shopify.app.toml (a test checks)
        "read_customers,read_orders,read_all_orders,write_app_proxy,write_customers,"
        "write_customer_data_erasure,write_privacy_settings,read_draft_orders,read_gift_cards,"
        "read_store_credit_accounts,read_store_credit_account_transactions"
    )
    token_encryption_keys: str = ""  # Fernet keys, newest first; empty: derived from TOKEN_SECRET
    demo_store_token_lifetime: int = 86399  # seconds, like Shopify's client-credentials tokens
    token_secret: str = "local-dev-token-secret"  # noqa: S105 - local only
    smtp_url: str = ""
    mail_from: str = "Privacy Desk <privacy@localhost>"
    export_dir: str = "data/exports"
    export_bulk_threshold: int = 250  # more orders: a bulk operation instead of paced pages
    app_proxy_prefix: str = "/apps/privacy"
    rate_limit_ip_per_hour: int = 60
    rate_limit_email_per_hour: int = 5
    trusted_proxy_hops: int = 0
    request_timeout_seconds: float = 10.0
    store_timezone: str = "UTC"
    log_level: str = "INFO"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Constructor arguments only; `load_config` hands the environment's values in."""
        return (init_settings,)

    @field_validator("intake_port", "dashboard_port", "demo_store_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError("must be a port number from 1 to 65535")
        return value

    @field_validator(
        "rate_limit_ip_per_hour",
        "rate_limit_email_per_hour",
        "store_backoff_ms",
        "trusted_proxy_hops",
    )
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must not be negative")
        return value

    @field_validator(
        "store_max_attempts",
        "demo_store_bucket",
        "demo_store_restore_rate",
        "demo_store_token_lifetime",
        "export_bulk_threshold",
    )
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value

    @field_validator("request_timeout_seconds")
    @classmethod
    def _seconds(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be a number of seconds above 0")
        return value

    @field_validator("shopify_admin_url")
    @classmethod
    def _admin_url(cls, value: str) -> str:
        if value and not (value.startswith(("https://", "http://")) and "{shop}" in value):
            raise ValueError("must be an address with {shop} in it, such as https://{shop}")
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("store_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone such as Europe/Berlin or UTC") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    def replace(self, **changes: Any) -> Config:
        """A copy with `changes`, validated like values from the environment."""
        return type(self)(**{**self.model_dump(), **changes})

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


class _Variables(EnvSettingsSource):
    """pydantic-settings' reading of environment variables, over a given mapping."""

    def __init__(self, env: Mapping[str, str]) -> None:
        super().__init__(Config)
        self.env_vars = {name.lower(): value for name, value in env.items() if value != ""}


def _explain(exc: ValidationError, env: Mapping[str, str]) -> str:
    """One sentence per bad variable: its name, the value given and what it must be."""
    lower = {name.lower(): value for name, value in env.items()}
    problems = []
    for error in exc.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else "?"
        reason = str(error["msg"]).removeprefix("Value error, ")
        raw = lower.get(name, error.get("input"))
        problems.append(f"{name.upper()}={raw!r} is not a valid value: {reason}.")
    return " ".join(problems)


def load_config(env: Mapping[str, str] | None = None) -> Config:
    """Build a Config from `env` (default: `.env` loaded into the process environment).

    Empty values count as unset (the default applies), as in `.env.example`.

    Raises:
        ConfigError: a value is not valid for its setting; the message names the variable.
    """
    if env is None:
        load_dotenv(PROJECT_ROOT / ".env", override=False)
        env = os.environ
    try:
        return Config(**_Variables(env)())
    except ValidationError as exc:
        raise ConfigError(_explain(exc, env)) from None


@cache
def get_config() -> Config:
    """The process-wide Config, read once."""
    return load_config()
