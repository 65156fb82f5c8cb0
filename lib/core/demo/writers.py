"""Writing rows in bulk: DB-API `executemany` on SQLite, `COPY` on PostgreSQL.

Requests and their events go in one transaction per chunk that also moves `audit_head`, so the
chain is intact after every commit and an interrupted run leaves consistent data. A chunk
arrives in parts, each inserted as it comes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, text
from tqdm import tqdm

from lib.core.audit import HEAD_ID
from lib.core.db import Database
from lib.core.demo.plan import Part, Plan
from lib.core.demo.rows import EVENT_COLUMNS, finish
from lib.core.demo.stories import REQUEST_COLUMNS


def insert_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Bulk insert rows (values already in the database's text forms) into `table`."""
    if not rows:
        return
    raw = conn.connection.driver_connection
    assert raw is not None  # an open Connection always has its DBAPI connection
    names = ", ".join(columns)
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" * len(columns))
        raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
        return
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def write_requests(db: Database, parts: Iterator[Part], plan: Plan, progress: bool) -> int:
    """Insert the parts of every chunk in one transaction per chunk that also moves
    audit_head; count events. `parts` is closed at the end (a generator process is stopped).

    Raises:
        RuntimeError: the chain's tip is not where the chunk continues from (another writer),
            or the generator process failed.
    """
    bar = tqdm(total=plan.count, unit="req", unit_scale=True, desc="requests",
               disable=not progress, smoothing=0.1)  # fmt: skip
    read_head = text("SELECT seq, hash FROM audit_head WHERE id = :id")
    if not db.is_sqlite:  # SQLite: BEGIN IMMEDIATE already holds the write lock
        read_head = text("SELECT seq, hash FROM audit_head WHERE id = :id FOR UPDATE")
    move_head = text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = :id")
    seq, prev_hash = plan.seq, plan.prev_hash
    json_texts: dict[tuple[Any, ...], str] = {}
    try:
        with db.write_connection() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None  # an open Connection always has its DBAPI connection
            cache = raw.execute("PRAGMA cache_size").fetchone()[0] if db.is_sqlite else None
            if cache is not None:
                raw.execute("PRAGMA cache_size=-65536")  # 64 MiB while loading (indexes)
            try:
                for part in parts:
                    if not conn.in_transaction():
                        conn.begin()
                        head = tuple(conn.execute(read_head, {"id": HEAD_ID}).one())
                        if head != (seq, prev_hash):
                            raise RuntimeError(
                                f"the audit chain moved while seeding (expected event {seq}, "
                                f"found {head[0]}): another process appended events; seed "
                                "while nothing else writes"
                            )
                    requests, events, seq, prev_hash = finish(
                        part, seq, prev_hash, plan.suffix, json_texts
                    )
                    insert_rows(conn, "requests", REQUEST_COLUMNS, requests)
                    insert_rows(conn, "request_events", EVENT_COLUMNS, events)
                    if part.closes_chunk:
                        conn.execute(move_head, {"seq": seq, "hash": prev_hash, "id": HEAD_ID})
                        conn.commit()
                    bar.update(len(requests))
                    del part, requests, events  # before the next one is read
            finally:
                if conn.in_transaction():  # a failed or interrupted chunk leaves nothing
                    conn.rollback()
                if cache is not None:
                    raw.execute(f"PRAGMA cache_size={int(cache)}")
    finally:
        bar.close()
        close = getattr(parts, "close", None)
        if close is not None:
            close()
    return seq - plan.seq
