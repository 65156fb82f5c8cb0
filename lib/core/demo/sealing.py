"""Audit sealing: a chunk's stories become numbered, hash-chained event rows.

The chain is sequential by design (each hash covers the one before), so a chunk is sealed in
one pass from the tip it continues; `lib.core.audit.seal` computes every hash, so the events
verify exactly like those `append_event` writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from operator import itemgetter
from typing import Any

from lib.core.audit import seal
from lib.core.demo.clock import EPOCH_UTC, texts
from lib.core.demo.stories import Event
from lib.core.demo.world import words

EVENT_COLUMNS = words(
    "seq request_id at actor kind from_status to_status reason details prev_hash hash"
)
"""A sealed event row, in this column order."""
_EVENT_ROW = itemgetter(
    "seq", "request_id", "at_text", "actor", "kind", "from_status", "to_status", "reason",
    "details_text", "prev_hash", "hash",
)  # fmt: skip
"""A sealed event dict → its row in EVENT_COLUMNS order."""


def seal_stories(
    stories: list[tuple[list[Any], list[Event]]], seq: int, prev_hash: str, suffix: str
) -> list[tuple[Any, ...]]:
    """Every event of `stories` (request by request), sealed from (seq, prev_hash), as rows."""
    at_texts = iter(texts([e[0] for _row, story in stories for e in story], suffix))

    def events() -> Iterator[dict[str, Any]]:  # one at a time: the dicts are transient
        for row, story in stories:
            rid = row[0]
            for at, actor, kind, frm, to, reason, details in story:
                yield {
                    "request_id": rid, "at": EPOCH_UTC + timedelta(microseconds=at),
                    "actor": actor, "kind": kind, "from_status": frm, "to_status": to,
                    "reason": reason, "details": details, "at_text": next(at_texts),
                    "details_text": "null" if details is None else json.dumps(details),
                }  # fmt: skip

    return list(map(_EVENT_ROW, seal(events(), seq, prev_hash)))
