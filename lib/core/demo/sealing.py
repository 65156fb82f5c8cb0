"""Audit sealing: the events of a run of stories, hashed in chain order.

The chain is sequential by design (each hash covers the one before), so events are sealed in
one pass from the tip they continue. `lib.core.audit.seal` computes every hash, so the events
verify exactly like those `append_event` writes. Only the hash is kept: the writer numbers the
events and links `prev_hash` itself (see `rows`), which keeps this, the serial part of the
pipeline, as short as it can be.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lib.core.audit import seal
from lib.core.demo.clock import EPOCH_UTC
from lib.core.demo.stories import Event


def seal_stories(
    stories: list[tuple[list[Any], list[Event]]], seq: int, prev_hash: str
) -> list[tuple[Any, ...]]:
    """Every event of `stories` (request by request), hashed from (seq, prev_hash), as
    (request id, at µs, actor, kind, from status, to status, reason, details, hash)."""
    flat = [(row[0], *event) for row, story in stories for event in story]
    rows = (
        {"request_id": rid, "at": EPOCH_UTC + timedelta(microseconds=at), "actor": actor,
         "kind": kind, "from_status": frm, "to_status": to, "reason": reason, "details": details}
        for rid, at, actor, kind, frm, to, reason, details in flat
    )  # fmt: skip
    sealed = seal(rows, seq, prev_hash)
    return [(*event, row["hash"]) for event, row in zip(flat, sealed, strict=True)]
