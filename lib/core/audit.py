"""The append-only, hash-chained audit trail.

Every event stores the hash of the one before it, and the chain's tip is kept in `audit_head`, so
an edited, inserted or removed event — including the last one — is detected by `verify_chain`.
Appending locks the tip row (PostgreSQL) or runs inside the write lock (SQLite), so the chain
never forks when several processes write at once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib.core.models import AuditHead, RequestEvent, utcnow

GENESIS_HASH = "0" * 64
HEAD_ID = 1
SYSTEM_ACTOR = "system"


def _instant(at: datetime) -> str:
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    seq: int,
    prev_hash: str,
    request_id: int | None,
    at: datetime,
    actor: str,
    kind: str,
    from_status: str | None,
    to_status: str | None,
    reason: str | None,
    details: dict[str, Any] | None,
) -> str:
    """SHA-256 over a canonical JSON form of every field of an event and its predecessor."""
    canonical = json.dumps(
        [
            seq,
            prev_hash,
            request_id,
            _instant(at),
            actor,
            kind,
            from_status,
            to_status,
            reason,
            details,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def append_event(
    session: Session,
    *,
    actor: str,
    kind: str,
    request_id: int | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> RequestEvent:
    """Append one event to the chain inside the caller's (write) transaction."""
    at = at or utcnow()
    head = session.execute(
        select(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    seq = head.seq + 1
    digest = event_hash(
        seq, head.hash, request_id, at, actor, kind, from_status, to_status, reason, details
    )
    event = RequestEvent(
        seq=seq,
        request_id=request_id,
        at=at,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        details=details,
        prev_hash=head.hash,
        hash=digest,
    )
    session.add(event)
    head.seq, head.hash = seq, digest
    session.flush()
    return event


def seal(rows: Iterable[dict[str, Any]], seq: int, prev_hash: str) -> Iterator[dict[str, Any]]:
    """Number and hash event rows for a bulk insert that continues the chain at (seq, prev_hash).

    Each row needs the keys request_id, at, actor, kind, from_status, to_status, reason,
    details; the caller must store the last row's seq and hash in `audit_head` afterwards.
    """
    for row in rows:
        seq += 1
        row["seq"] = seq
        row["prev_hash"] = prev_hash
        prev_hash = row["hash"] = event_hash(
            seq,
            prev_hash,
            row["request_id"],
            row["at"],
            row["actor"],
            row["kind"],
            row["from_status"],
            row["to_status"],
            row["reason"],
            row["details"],
        )
        yield row


@dataclass(frozen=True, slots=True)
class ChainReport:
    """Outcome of a chain check; `first_bad_seq` names where it first breaks."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str | None = None

    def summary(self) -> str:
        """One line for people."""
        if self.ok:
            return f"audit chain intact: {self.checked} events verified"
        return f"audit chain broken at event seq {self.first_bad_seq}: {self.problem}"


_COLUMNS = (
    RequestEvent.seq,
    RequestEvent.request_id,
    RequestEvent.at,
    RequestEvent.actor,
    RequestEvent.kind,
    RequestEvent.from_status,
    RequestEvent.to_status,
    RequestEvent.reason,
    RequestEvent.details,
    RequestEvent.prev_hash,
    RequestEvent.hash,
)


def verify_chain(session: Session, batch_size: int = 20_000) -> ChainReport:
    """Walk the whole chain in order, streaming, and report the first event that does not hold."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    rows = session.execute(select(*_COLUMNS).order_by(RequestEvent.seq)).yield_per(batch_size)
    for seq, request_id, at, actor, kind, frm, to, reason, details, stored_prev, stored in rows:
        if seq != expected_seq:
            return ChainReport(False, checked, expected_seq, f"event {expected_seq} is missing")
        if stored_prev != prev_hash:
            return ChainReport(False, checked, seq, "does not link to the event before it")
        if (
            event_hash(seq, prev_hash, request_id, at, actor, kind, frm, to, reason, details)
            != stored
        ):
            return ChainReport(False, checked, seq, "its content was altered")
        prev_hash, expected_seq, checked = stored, seq + 1, checked + 1
    head = session.get(AuditHead, HEAD_ID)
    if head is None or head.seq != checked or head.hash != prev_hash:
        tip = head.seq if head else "none"
        return ChainReport(
            False,
            checked,
            checked + 1,
            f"events after {checked} were removed (the chain's tip says {tip})",
        )
    return ChainReport(True, checked)
