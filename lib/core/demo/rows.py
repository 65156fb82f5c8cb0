"""A generated part → rows in the database's text forms, in the writer's process.

Instants become text in one numpy call per part, details become JSON, and each event gets its
`seq` and `prev_hash` from the running tip of the chain. Doing this next to the inserts (not in
the generator) splits the work evenly between the two processes of a parallel run.
"""

from __future__ import annotations

import json
from typing import Any

from lib.core.demo.clock import texts
from lib.core.demo.plan import Part
from lib.core.demo.stories import ROW_INSTANTS
from lib.core.demo.world import words

EVENT_COLUMNS = words(
    "seq request_id at actor kind from_status to_status reason details prev_hash hash"
)
"""A sealed event row, in this column order."""


def finish(
    part: Part, seq: int, prev_hash: str, suffix: str, json_texts: dict[tuple[Any, ...], str]
) -> tuple[list[list[Any]], list[tuple[Any, ...]], int, str]:
    """(request rows, event rows, last seq, last hash) of a part that continues the chain at
    (seq, prev_hash); `suffix` is the backend's instant suffix ('+00' on PostgreSQL).

    `json_texts` caches the JSON of details by their items (the writer keeps one for the run):
    details are flat dicts of text, and nine in ten are one of a few hundred creation details.
    """
    requests = part.requests
    slots = [(row, k) for row in requests for k in ROW_INSTANTS if row[k] is not None]
    for (row, k), at_text in zip(slots, texts([row[k] for row, k in slots], suffix), strict=True):
        row[k] = at_text
    at_texts = texts([event[1] for event in part.events], suffix)
    events = []
    for (rid, _at, actor, kind, frm, to, reason, details, digest), at_text in zip(
        part.events, at_texts, strict=True
    ):
        seq += 1
        if details is None:
            details_text = "null"
        else:
            key = tuple(details.items())
            details_text = json_texts.get(key) or json_texts.setdefault(key, json.dumps(details))
        events.append(
            (seq, rid, at_text, actor, kind, frm, to, reason, details_text, prev_hash, digest)
        )
        prev_hash = digest
    return requests, events, seq, prev_hash
