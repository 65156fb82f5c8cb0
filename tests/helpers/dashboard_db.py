"""The `app_db` fixture (a pytest plugin of tests/conftest.py): the dashboard's pages, the
security and the reliability tests all run AppTest over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st

from lib.core import config
from lib.core import db as database
from lib.core.db import Database


@pytest.fixture
def app_db(sqlite_db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """Point the process-wide settings (and so every page) at a fresh test database."""
    monkeypatch.setenv("DATABASE_URL", sqlite_db.url)
    monkeypatch.setenv("STORE_TIMEZONE", "UTC")
    config.get_config.cache_clear()
    database._database_for.cache_clear()
    st.cache_data.clear()
    yield sqlite_db
    st.cache_data.clear()
    config.get_config.cache_clear()
    database._database_for.cache_clear()
