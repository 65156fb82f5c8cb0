"""Audit sealing: the events of a run of stories, hashed in chain order.

The chain is sequential by design (each hash covers the one before), so events are sealed in
one pass from the tip they continue. `lib.core.audit.event_hash` computes every hash, without
building a row per event, so the events verify exactly like those `append_event` writes. Only
the hash is kept: the writer numbers the events and links `prev_hash` itself (see `rows`),
which keeps this, the serial part of the pipeline, as short as it can be.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lib.core.audit import event_hash
from lib.core.demo.clock import EPOCH_UTC
from lib.core.demo.stories import Event


def seal_stories(
    stories: list[tuple[list[Any], list[Event]]], seq: int, prev_hash: str
) -> list[tuple[Any, ...]]:
    """Every event of `stories` (request by request), hashed from (seq, prev_hash), as
    (request id, at µs, actor, kind, from status, to status, reason, details, hash)."""
    sealed = []
    for row, story in stories:
        rid = row[0]
        for at, actor, kind, frm, to, reason, details in story:
            seq += 1
            instant = EPOCH_UTC + timedelta(microseconds=at)
            prev_hash = event_hash(
                seq, prev_hash, rid, instant, actor, kind, frm, to, reason, details
            )
            sealed.append((rid, at, actor, kind, frm, to, reason, details, prev_hash))
    return sealed
