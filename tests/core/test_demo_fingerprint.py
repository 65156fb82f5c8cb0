"""The demo seeder's output, byte for byte: a SHA-256 over every row it writes.

Refactoring or speeding up the seeder must not change a single stored byte for a given seed and
clock. The fingerprints were first computed with the code of commit 5e6f1ec (before
`lib/core/demo.py` became a package and was sped up); a deliberate change of the demo data
updates them in the same commit (last: the access requests' export jobs, packages and
deliveries, the owner/reminder/merge columns of migration 0008, the hash and salt
columns of migration 0009, the demo store's other blocks in `demo_records`, and its
gift cards, abandoned checkouts, subscription contracts and store credit history there).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from lib.core.db import Database
from lib.core.demo import seed_demo

NOW = datetime(2026, 6, 15, 10, 30, tzinfo=UTC)
REQUESTS, SEED = 2_000, 7
TABLES = {
    "stores": "id",
    "settings": "key",
    "setting_changes": "id",
    "demo_customers": "id",
    "demo_orders": "id",
    "demo_line_items": "id",
    "demo_records": "id",
    "requests": "id",
    "request_events": "id",
    "audit_head": "id",
    "jobs": "id",
    "exports": "id",
    "deliveries": "id",
}
"""Every table the seeder writes, with the key its rows are ordered by."""
EXPECTED = {
    ("one chunk", "sqlite"): "8ec6ee30ff93a443ce6bdb0c8d17628865cad5136615f58fc8df877b3d10f53b",
    ("one chunk", "postgresql"): "e10f9af6aae23734c3d94b1d39e11f308102f6ef4ff50cbfb42d4668baa0e2e6",
    ("chunks, append", "sqlite"): (
        "32873bfa2c85b8095783188581b25827f8e1e3e3b50c31f155886992603b8589"
    ),
    ("chunks, append", "postgresql"): (
        "142da8d86cf6510712e6d65d13b7d48d042b96f4a81e23bb5a3fa1836efef282"
    ),
}
"""By (case, backend). "one chunk": the default chunk size; "chunks, append": chunks of 700
requests (three, the last one short), then 300 more requests with seed 8 appended."""


def fingerprint(db: Database) -> str:
    """SHA-256 over every seeded row as the database stores it.

    SQLite: the driver's values (type and text exactly as stored); PostgreSQL: each row's text
    form (`t::text`) with the session in UTC.
    """
    digest = hashlib.sha256()
    fairy = db.engine.raw_connection()
    try:
        cursor = fairy.driver_connection.cursor()
        if not db.is_sqlite:
            cursor.execute("SET TIME ZONE 'UTC'")
        for table, key in TABLES.items():
            row = "*" if db.is_sqlite else f"{table}::text"
            cursor.execute(f"SELECT {row} FROM {table} ORDER BY {key}")  # noqa: S608 - fixed names
            digest.update(f"{table}\n".encode())
            for values in cursor.fetchall():
                digest.update(repr(tuple(values)).encode() + b"\n")
        fairy.driver_connection.rollback()
    finally:
        fairy.close()
    return digest.hexdigest()


@pytest.mark.parametrize("parallel", [False, True], ids=["in-process", "child"])
@pytest.mark.parametrize("case", ["one chunk", "chunks, append"])
def test_seeded_bytes_are_unchanged(db: Database, case: str, parallel: bool) -> None:
    if case == "one chunk":
        seed_demo(db, requests=REQUESTS, seed=SEED, now=NOW, progress=False, parallel=parallel)
    else:
        for requests, seed, child in ((REQUESTS, SEED, parallel), (300, 8, not parallel)):
            seed_demo(
                db,
                requests=requests,
                seed=seed,
                now=NOW,
                progress=False,
                parallel=child,
                chunk_size=700,
            )
    assert fingerprint(db) == EXPECTED[case, "sqlite" if db.is_sqlite else "postgresql"]
