"""The demo seeder's output, byte for byte: a SHA-256 over every row it writes.

Refactoring or speeding up the seeder must not change a single stored byte for a given seed and
clock. The fingerprints were first computed with the code of commit 5e6f1ec (before
`lib/core/demo.py` became a package and was sped up); a deliberate change of the demo data
updates them in the same commit (last: the access requests' export jobs, packages and
deliveries, the owner/reminder/merge columns of migration 0008, the hash and salt
columns of migration 0009, the demo store's other blocks in `demo_records`, and its
gift cards, abandoned checkouts and subscription contracts there).
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
    ("one chunk", "sqlite"): "ecc1252e7104208dd3e6645ccc98910386932b9523a5aeeaef7fd174993c76db",
    ("one chunk", "postgresql"): "66d9b73e9b3190b526477b82778b8d15cd2bcd3261830cde024fc63a3c1d0078",
    ("chunks, append", "sqlite"): (
        "d6c4b083914d5f8b3992c9e532f97d2950eab019bc389b302ab7a495a91cf2ba"
    ),
    ("chunks, append", "postgresql"): (
        "b4aea8cb3308f26ebf0b2d18a7bd3e9df8c862ac7ac27d11309d89308b73ac5c"
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
