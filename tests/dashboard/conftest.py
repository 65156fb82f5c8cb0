"""Dashboard tests run AppTest against a migrated database chosen by DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lib.core import config
from lib.core import db as database
from lib.core.db import Database


@pytest.fixture
def app_db(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """Point the process-wide settings (and so every page) at a fresh test database."""
    monkeypatch.setenv("DATABASE_URL", sqlite_db.url)
    config.get_config.cache_clear()
    database._database_for.cache_clear()
    yield sqlite_db
    config.get_config.cache_clear()
    database._database_for.cache_clear()
