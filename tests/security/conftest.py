"""Fixtures of the security tests: the dashboard's test database and a running demo store with
the process configuration pointed at it (for AppTest pages and store-backed actions)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lib.core import config as process_config
from lib.core.config import Config
from lib.core.db import Database
from lib.store.demo_server import DemoStoreServer
from tests.store.helpers import TOKEN, running_store


@pytest.fixture
def demo_store(
    app_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[DemoStoreServer]:
    """The demo store over `app_db`, with DEMO_STORE_URL, EXPORT_DIR… set for the process."""
    with running_store(app_db) as server:
        monkeypatch.setenv("DEMO_STORE_URL", server.url)
        monkeypatch.setenv("DEMO_STORE_TOKEN", TOKEN)
        monkeypatch.setenv("EXPORT_DIR", str(tmp_path / "exports"))
        monkeypatch.setenv("TOKEN_SECRET", "security-test-token-secret")
        process_config.get_config.cache_clear()
        yield server
    process_config.get_config.cache_clear()


@pytest.fixture
def point_process_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Config], None]]:
    """Make the process configuration (`get_config()`) a given Config, restored afterwards."""

    def point(config: Config) -> None:
        for name in Config.model_fields:
            monkeypatch.setenv(name.upper(), str(getattr(config, name)))
        process_config.get_config.cache_clear()

    yield point
    process_config.get_config.cache_clear()
