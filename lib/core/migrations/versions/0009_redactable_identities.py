"""erasure: identities in redactable records, keyed email hashes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 20:20:00

`requests.email_hash` (keyed hash, `lib.core.identity`) and `requests.redacted_at` let a request
outlive its erased identity; `stores.request_types` lists what a store's storefront offers and
`stores.redacted_at` marks a purged shop; `request_events.payload_salt` / `payload_digest` let
the audit chain commit to an event's text through a salted digest, so the text can be erased.

Existing data is migrated: every request gets its email hash, and every event that carries text
is re-sealed to the digest form, the chain re-hashed from the first such event (the old chain
is verified on the way; a broken chain stops the migration and changes nothing).
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from lib.core.audit import GENESIS_HASH, event_hash, payload_text
from lib.core.identity import email_hash, event_salt, payload_digest
from lib.core.models.base import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    """Nullable columns (no table copy), then the data: email hashes and re-sealed events."""
    op.add_column("requests", sa.Column("email_hash", sa.String(64), nullable=True))
    op.add_column("requests", sa.Column("redacted_at", UTCDateTime(timezone=True), nullable=True))
    op.create_index("ix_requests_email_hash", "requests", ["email_hash"])
    op.add_column("stores", sa.Column("request_types", sa.JSON(), nullable=True))
    op.add_column("stores", sa.Column("redacted_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("request_events", sa.Column("payload_salt", sa.String(32), nullable=True))
    op.add_column("request_events", sa.Column("payload_digest", sa.String(64), nullable=True))
    bind = op.get_bind()
    _hash_emails(bind)
    _reseal_events(bind)


def _hash_emails(bind: sa.Connection) -> None:
    """Every stored request's keyed email hash, one UPDATE per distinct address."""
    emails = bind.execute(sa.text("SELECT DISTINCT email FROM requests")).scalars().all()
    update = sa.text("UPDATE requests SET email_hash = :h WHERE email = :e")
    for start in range(0, len(emails), BATCH):
        chunk = emails[start : start + BATCH]
        bind.execute(update, [{"h": email_hash(e), "e": e} for e in chunk if e])


def _reseal_events(bind: sa.Connection) -> None:
    """Give each event with text its salted digest and re-hash the chain from the first one."""
    first = bind.execute(
        sa.text(
            "SELECT min(seq) FROM request_events WHERE payload_digest IS NULL "
            "AND (reason IS NOT NULL OR details IS NOT NULL)"
        )
    ).scalar()
    if first is None:
        return
    events = sa.table(
        "request_events",
        *(sa.column(c) for c in ("id", "seq", "request_id", "actor", "kind")),
        *(sa.column(c) for c in ("from_status", "to_status", "reason", "prev_hash", "hash")),
        sa.column("details", sa.JSON()),
        sa.column("at", UTCDateTime(timezone=True)),
        sa.column("payload_salt"),
        sa.column("payload_digest"),
    )
    prev = (
        bind.execute(sa.select(events.c.hash).where(events.c.seq == first - 1)).scalar()
        or GENESIS_HASH
    )
    old_prev = new_prev = prev
    seq = first - 1
    update = (
        sa.update(events)
        .where(events.c.id == sa.bindparam("row_id"))
        .values(
            payload_salt=sa.bindparam("salt"),
            payload_digest=sa.bindparam("digest"),
            prev_hash=sa.bindparam("new_prev"),
            hash=sa.bindparam("new_hash"),
        )
    )
    while True:
        rows = bind.execute(
            sa.select(events).where(events.c.seq > seq).order_by(events.c.seq).limit(BATCH)
        ).all()
        if not rows:
            break
        changes: list[dict[str, Any]] = []
        for row in rows:
            old_prev = _check_old(row, old_prev)
            salt = digest = None
            fields: tuple[Any, Any] = (row.reason, row.details)
            if row.payload_digest is not None:
                salt, digest, fields = row.payload_salt, row.payload_digest, (None, None)
            elif row.reason is not None or row.details is not None:
                salt = event_salt(row.seq, new_prev)
                digest = payload_digest(salt, payload_text(row.reason, row.details))
                fields = (None, None)
            new_hash = event_hash(
                row.seq, new_prev, row.request_id, row.at, row.actor, row.kind,
                row.from_status, row.to_status, *fields, digest,
            )  # fmt: skip
            changes.append(
                {"row_id": row.id, "salt": salt, "digest": digest}
                | {"new_prev": new_prev, "new_hash": new_hash}
            )
            new_prev, seq = new_hash, row.seq
        bind.execute(update, changes)
    bind.execute(sa.text("UPDATE audit_head SET hash = :h WHERE id = 1"), {"h": new_prev})


def _check_old(row: Any, prev: str) -> str:
    """The row's stored hash once its old form verifies; else stop the migration."""
    fields = (row.reason, row.details) if row.payload_digest is None else (None, None)
    expected = event_hash(
        row.seq, prev, row.request_id, row.at, row.actor, row.kind,
        row.from_status, row.to_status, *fields, row.payload_digest,
    )  # fmt: skip
    if row.prev_hash != prev or row.hash != expected:
        raise RuntimeError(
            f"audit chain broken at event seq {row.seq}: run `python -m lib audit verify`; "
            "the migration re-seals only an intact chain"
        )
    return row.hash


def downgrade() -> None:
    """Drop the columns (re-sealed events keep their digest form: the old code cannot read it)."""
    op.drop_index("ix_requests_email_hash", table_name="requests")
    with op.batch_alter_table("request_events") as batch:
        batch.drop_column("payload_digest")
        batch.drop_column("payload_salt")
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("redacted_at")
        batch.drop_column("request_types")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("redacted_at")
        batch.drop_column("email_hash")
