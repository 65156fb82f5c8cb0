"""The append-only, hash-chained audit trail.

Every event stores the hash of the one before it, and the chain's tip is kept in `audit_head`, so
an edited, inserted or removed event — including the last one — is detected by `verify_chain`.
An event's free text (`reason`, `details`) enters the chain only through a salted digest
(`payload_digest` of `payload_salt` ‖ the text): erasing a person blanks the text and the salt,
keeps the digest, and the chain still verifies (docs/ERASURE.md). Events without text, and those
written before the digest existed (`payload_digest` NULL), hash their fields directly.
Appending locks the tip row (PostgreSQL) or runs inside the write lock (SQLite), so the chain
never forks when several processes write at once. The tip stays locked until the transaction
ends, so appends use three cached Core statements (read the tip, insert the events, move the
tip) and several events of one change go in one extension (`append_events`): the ORM's unit of
work cost ~0.7 ms per event, all of it while every other writer waited for the tip.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from lib.core.identity import event_salt, payload_digest
from lib.core.models import AuditHead, RequestEvent, utcnow

GENESIS_HASH = "0" * 64
HEAD_ID = 1
SYSTEM_ACTOR = "system"
"""The actor of what the service does by itself (expiry, exports, retention)."""
CUSTOMER_ACTOR = "customer"
"""The actor of what the customer does (submit, verify, download)."""
SHOPIFY_ACTOR = "shopify"
"""The actor of what arrives by Shopify's compliance webhooks."""

_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
)
"""The options `json.dumps` was called with, built once: a fresh encoder per hash cost 30 %."""
_HEAD_TABLE = cast(Table, AuditHead.__table__)
_EVENTS_TABLE = cast(Table, RequestEvent.__table__)
_READ_TIP = (
    select(_HEAD_TABLE.c.seq, _HEAD_TABLE.c.hash)
    .where(_HEAD_TABLE.c.id == HEAD_ID)
    .with_for_update()
)
_INSERT_EVENTS = insert(_EVENTS_TABLE)
_MOVE_TIP = (
    update(_HEAD_TABLE)
    .where(_HEAD_TABLE.c.id == HEAD_ID)
    .values(seq=bindparam("tip_seq"), hash=bindparam("tip_hash"))
)


def _instant(at: datetime) -> str:
    """`at` in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (the bytes strftime gave, faster)."""
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    if at.year < 1000:  # isoformat pads the year to four digits, strftime's %Y does not
        return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return at.isoformat(timespec="microseconds")[:26] + "Z"


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
    payload: str | None = None,
) -> str:
    """SHA-256 over a canonical JSON form of every field of an event and its predecessor.

    With `payload` (the salted digest of reason and details) the hash covers that digest in
    their place: eleven fields instead of ten, so neither form can pass for the other.
    """
    fields: list[Any] = [seq, prev_hash, request_id, _instant(at), actor, kind]
    if payload is None:
        fields += [from_status, to_status, reason, details]
    else:
        fields += [from_status, to_status, None, None, payload]
    return hashlib.sha256(_CANONICAL.encode(fields).encode()).hexdigest()


def payload_text(reason: str | None, details: dict[str, Any] | None) -> str:
    """The canonical text of an event's free text, as its salted digest covers it."""
    return _CANONICAL.encode([reason, details])


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append: everything but its place in the chain."""

    actor: str
    kind: str
    request_id: int | None = None
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = None
    details: dict[str, Any] | None = None
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ChainLink:
    """Where an appended event sits in the chain."""

    seq: int
    hash: str


def append_events(session: Session, events: Sequence[NewEvent]) -> list[ChainLink]:
    """Append `events`, in order, to the chain inside the caller's (write) transaction.

    Pending ORM changes are flushed first, so rows are always locked before the tip (one lock
    order for every writer on PostgreSQL) and the events' requests exist.
    """
    if not events:
        return []
    session.flush()
    connection = session.connection()
    seq, prev_hash = connection.execute(_READ_TIP).one()
    rows, links = [], []
    for event in events:
        seq += 1
        at = event.at or utcnow()
        salt = payload = None
        if event.reason is not None or event.details is not None:
            salt = event_salt(seq, prev_hash)
            payload = payload_digest(salt, payload_text(event.reason, event.details))
        digest = event_hash(
            seq,
            prev_hash,
            event.request_id,
            at,
            event.actor,
            event.kind,
            event.from_status,
            event.to_status,
            event.reason,
            event.details,
            payload,
        )
        rows.append(
            {
                "seq": seq,
                "request_id": event.request_id,
                "at": at,
                "actor": event.actor,
                "kind": event.kind,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "reason": event.reason,
                "details": event.details,
                "payload_salt": salt,
                "payload_digest": payload,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        links.append(ChainLink(seq, digest))
        prev_hash = digest
    connection.execute(_INSERT_EVENTS, rows)
    connection.execute(_MOVE_TIP, {"tip_seq": seq, "tip_hash": prev_hash})
    return links


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
) -> ChainLink:
    """Append one event to the chain inside the caller's (write) transaction."""
    event = NewEvent(actor, kind, request_id, from_status, to_status, reason, details, at)
    return append_events(session, [event])[0]


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
    RequestEvent.payload_salt,
    RequestEvent.payload_digest,
    RequestEvent.prev_hash,
    RequestEvent.hash,
)


def _payload_problem(
    reason: str | None, details: dict[str, Any] | None, salt: str | None, payload: str
) -> str | None:
    """Why an event's text does not match its digest, or None when it does (or was erased)."""
    if salt is None:
        return None if reason is None and details is None else "its erased text came back"
    if payload_digest(salt, payload_text(reason, details)) != payload:
        return "its content was altered"
    return None


def verify_chain(session: Session, batch_size: int = 20_000) -> ChainReport:
    """Walk the whole chain in order, streaming, and report the first event that does not hold."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    rows = session.execute(select(*_COLUMNS).order_by(RequestEvent.seq)).yield_per(batch_size)
    for row in rows:
        seq, request_id, at, actor, kind, frm, to, reason, details = row[:9]
        salt, payload, stored_prev, stored = row[9:]
        if seq != expected_seq:
            return ChainReport(False, checked, expected_seq, f"event {expected_seq} is missing")
        if stored_prev != prev_hash:
            return ChainReport(False, checked, seq, "does not link to the event before it")
        problem = None if payload is None else _payload_problem(reason, details, salt, payload)
        if problem is not None:
            return ChainReport(False, checked, seq, problem)
        plain_reason, plain_details = (reason, details) if payload is None else (None, None)
        digest = event_hash(
            seq,
            prev_hash,
            request_id,
            at,
            actor,
            kind,
            frm,
            to,
            plain_reason,
            plain_details,
            payload,
        )
        if digest != stored:
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
