"""Shared fixtures: migrated databases on SQLite and PostgreSQL, a store, the clock.

PostgreSQL tests use TEST_DATABASE_URL (default: the local server). They skip with the reason
when it cannot be reached, unless REQUIRE_POSTGRES=1 (CI), where they fail instead.
Each PostgreSQL test runs in its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import random
import shutil
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text

from lib.core import backoff
from lib.core.db import Database
from lib.core.migrate import upgrade
from lib.core.models import Store
from tests.helpers.stores import make_store

pytest_plugins = ("tests.helpers.dashboard_db",)  # app_db, for every folder's AppTest pages

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
PG_URL = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL)
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"

# Property tests check behaviour, not speed (the benchmark suite measures that): no per-example
# wall-clock deadline, which a busy 2-core machine would turn into random failures.
settings.register_profile("privacy-desk", deadline=None)
settings.load_profile("privacy-desk")


@cache
def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can."""
    try:
        engine = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL unreachable at {PG_URL}: {str(exc).splitlines()[0]}"
    return None


def require_postgres() -> None:
    """Skip (locally) or fail (CI) when PostgreSQL is unreachable."""
    problem = postgres_problem()
    if problem is None:
        return
    if REQUIRE_POSTGRES:
        pytest.fail(f"REQUIRE_POSTGRES=1 but {problem}")
    pytest.skip(problem)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is faster)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A fresh, migrated SQLite database in a temporary file."""
    path = tmp_path / "privacy_desk.db"
    shutil.copy(sqlite_template, path)
    db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


def _schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_db() -> Iterator[Database]:
    """A fresh, migrated PostgreSQL schema of its own."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(_schema_url(schema))
    try:
        upgrade(db)
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on PostgreSQL."""
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")


class _Ceiling(random.Random):
    """Draws the top of every range: the longest backoff, so "not due yet" holds on any machine."""

    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.fixture
def longest_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every backoff waits its whole ceiling (full jitter may otherwise draw almost zero)."""
    monkeypatch.setattr(backoff, "RNG", _Ceiling())


@pytest.fixture
def store(db: Database) -> Store:
    """One store in `db`."""
    return make_store(db)
