"""Writing rows in bulk: DB-API `executemany` on SQLite, `COPY` on PostgreSQL.

Requests and their events go in one transaction per chunk that also moves `audit_head`, so the
chain is intact after every commit and an interrupted run leaves consistent data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, text
from tqdm import tqdm

from lib.core.audit import HEAD_ID
from lib.core.db import Database
from lib.core.demo.plan import Chunk
from lib.core.demo.sealing import EVENT_COLUMNS
from lib.core.demo.stories import REQUEST_COLUMNS


def insert_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Bulk insert rows (values already in the database's text forms) into `table`."""
    if not rows:
        return
    raw = conn.connection.driver_connection
    names = ", ".join(columns)
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" * len(columns))
        raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
        return
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def write_requests(db: Database, source: Iterator[Chunk], total: int, progress: bool) -> int:
    """Insert every chunk of `source` in its own transaction, moving audit_head with it; count
    events. `source` is closed at the end (a generator process is stopped).

    Raises:
        RuntimeError: the chain's tip is not where the chunk continues from (another writer),
            or the generator process failed.
    """
    events = 0
    bar = tqdm(total=total, unit="req", unit_scale=True, desc="requests",
               disable=not progress, smoothing=0.1)  # fmt: skip
    read_head = text("SELECT seq, hash FROM audit_head WHERE id = :id")
    if not db.is_sqlite:  # SQLite: BEGIN IMMEDIATE already holds the write lock
        read_head = text("SELECT seq, hash FROM audit_head WHERE id = :id FOR UPDATE")
    move_head = text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = :id")
    try:
        with db.write_connection() as conn:
            raw = conn.connection.driver_connection
            cache = raw.execute("PRAGMA cache_size").fetchone()[0] if db.is_sqlite else None
            if cache is not None:
                raw.execute("PRAGMA cache_size=-65536")  # 64 MiB while loading (indexes)
            try:
                for chunk in source:
                    with conn.begin():
                        head = tuple(conn.execute(read_head, {"id": HEAD_ID}).one())
                        if head != (chunk.prev_seq, chunk.prev_hash):
                            raise RuntimeError(
                                f"the audit chain moved while seeding (expected event "
                                f"{chunk.prev_seq}, found {head[0]}): another process appended "
                                "events; seed while nothing else writes"
                            )
                        insert_rows(conn, "requests", REQUEST_COLUMNS, chunk.requests)
                        insert_rows(conn, "request_events", EVENT_COLUMNS, chunk.events)
                        conn.execute(move_head, {"seq": chunk.last_seq, "hash": chunk.last_hash,
                                                 "id": HEAD_ID})  # fmt: skip
                    events += len(chunk.events)
                    bar.update(len(chunk.requests))
                    del chunk  # before the next one is read
            finally:
                if cache is not None:
                    raw.execute(f"PRAGMA cache_size={int(cache)}")
    finally:
        bar.close()
        close = getattr(source, "close", None)
        if close is not None:
            close()
    return events
