"""Migration 0009 on existing data: emails get their keyed hash, events with text are re-sealed
to the digest form (the chain verifies before and after, and after an erasure), and a broken
chain stops the migration."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from lib.core.audit import GENESIS_HASH, event_hash, verify_chain
from lib.core.db import Database
from lib.core.identity import email_hash
from lib.core.migrate import upgrade
from lib.core.models import Request, RequestEvent, Store
from lib.core.redaction import redact_person

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
EVENTS = [  # (kind, to_status, reason, details): written the way code before 0009 wrote them
    ("transition", "received", None, {"channel": "guest", "type": "access"}),
    ("transition", "verified", None, None),
    ("note", None, "Ann Smith called from +33 6 12 34 56 78", None),
    ("extended", None, "ann@example.com asked for all orders", {"extended_due": "2026-06-02"}),
]


def _old_database(tmp_path: Path, *, break_at: int | None = None) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(db, "0008")
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO stores (id, shop_domain, name, default_regime, timezone, created_at)"
                " VALUES (1, 'old-shop.myshopify.com', 'Old Shop', 'gdpr', 'UTC', :at)"
            ),
            {"at": AT},
        )
        conn.execute(
            sa.text(
                "INSERT INTO requests (id, reference, store_id, type, channel, status, regime, "
                "email, name, received_at, due_on, legal_due_on, target_on, paused_days) VALUES "
                "(1, 'DSR-2026-000001', 1, 'access', 'guest', 'verified', 'gdpr', "
                "'ann@example.com', 'Ann Smith', :at, '2026-04-02', '2026-04-02', "
                "'2026-03-20', 0)"
            ),
            {"at": AT},
        )
        prev = GENESIS_HASH
        for seq, (kind, to, reason, details) in enumerate(EVENTS, 1):
            digest = event_hash(seq, prev, 1, AT, "customer", kind, None, to, reason, details)
            stored = "0" * 64 if seq == break_at else digest
            conn.execute(
                sa.text(
                    "INSERT INTO request_events (seq, request_id, at, actor, kind, to_status, "
                    "reason, details, prev_hash, hash) VALUES (:seq, 1, :at, 'customer', :kind, "
                    ":to, :reason, :details, :prev, :hash)"
                ),
                {
                    "seq": seq,
                    "at": AT,
                    "kind": kind,
                    "to": to,
                    "reason": reason,
                    "details": None if details is None else json.dumps(details),
                    "prev": prev,
                    "hash": stored,
                },
            )
            prev = stored
        conn.execute(
            sa.text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"),
            {"seq": len(EVENTS), "hash": prev},
        )
    return db


def test_existing_data_is_hashed_and_re_sealed_and_survives_an_erasure(tmp_path: Path) -> None:
    db = _old_database(tmp_path)
    upgrade(db)
    with db.read() as session:
        assert verify_chain(session).ok
        assert session.get_one(Request, 1).email_hash == email_hash("ann@example.com")
        events = session.scalars(select(RequestEvent).order_by(RequestEvent.seq)).all()
        assert [e.payload_digest is not None for e in events] == [True, False, True, True]
        assert events[2].reason == EVENTS[2][2]  # the text is still there until erased
    with db.write() as session:
        redact_person(session, session.get_one(Store, 1), email="ann@example.com", customer_id=None)
    with db.read() as session:
        assert verify_chain(session).ok
        texts = session.scalars(select(RequestEvent.reason)).all()
        assert all(t is None for t in texts)
        assert session.get_one(Request, 1).email == ""


def test_a_broken_chain_stops_the_migration(tmp_path: Path) -> None:
    db = _old_database(tmp_path, break_at=3)
    with pytest.raises(RuntimeError, match="audit chain broken at event seq 3"):
        upgrade(db)
    with db.engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    assert version == "0008"
