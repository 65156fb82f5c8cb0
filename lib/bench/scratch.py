"""Throw-away databases: a SQLite file, or a PostgreSQL schema of its own, removed after use."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lib.bench.cases import Target
from lib.core.db import Database


def _remove_sqlite(path: Path) -> None:
    for leftover in path.parent.glob(f"{path.name}*"):
        leftover.unlink()


@contextmanager
def throwaway_database(
    backend: str, name: str, workdir: Path, postgres_url: str | None
) -> Iterator[str]:
    """A fresh database URL: `workdir/NAME.db`, or the schema NAME_PID in `postgres_url`.

    Raises:
        ValueError: the postgresql backend without a server URL.
    """
    if backend == "sqlite":
        path = workdir / f"{name}.db"
        _remove_sqlite(path)
        try:
            yield f"sqlite:///{path}"
        finally:
            _remove_sqlite(path)
        return
    if not postgres_url:
        raise ValueError("the postgresql backend needs BENCH_DATABASE_URL")
    schema = f"{name}_{os.getpid()}"
    admin = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres_url else "?"
    try:
        yield f"{postgres_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def server_url(target: Target) -> str | None:
    """The PostgreSQL server of the target without its schema option (None on SQLite)."""
    if target.backend == "sqlite":
        return None
    return (
        make_url(target.database_url)
        .difference_update_query(["options"])
        .render_as_string(hide_password=False)
    )


@contextmanager
def migrated_database(target: Target, name: str) -> Iterator[Database]:
    """A fresh, migrated database on the target's backend, next to the target's."""
    from lib.core.migrate import upgrade

    with throwaway_database(target.backend, name, target.workdir, server_url(target)) as url:
        db = Database(url)
        try:
            upgrade(db)
            yield db
        finally:
            db.dispose()
