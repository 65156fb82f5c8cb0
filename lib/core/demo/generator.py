"""The generator: a plan → chunks of finished request rows and sealed event rows.

Received instants are drawn once for the whole run (density grows threefold over the two years;
ids follow received time); each chunk draws its own numbers from a generator seeded by its
index, so the output depends on (plan, chunk size) only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from lib.core.demo.clock import DAY, MINUTE, texts
from lib.core.demo.plan import Chunk, Plan
from lib.core.demo.sealing import seal_stories
from lib.core.demo.stories import ROW_INSTANTS, StoryPlanner
from lib.core.demo.world import HISTORY_DAYS


class Generator:
    """Turns a plan into chunks of request rows and sealed event rows (deterministically)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.stories = StoryPlanner(plan)

    def chunks(self) -> Iterator[Chunk]:
        """Every chunk in id order; the received instants are drawn once for the whole run."""
        plan = self.plan
        rng = np.random.default_rng([plan.seed, plan.first_id, 0x5EED])
        # Density grows 3x over the period (more requests lately); ids follow received time.
        t = -0.5 + np.sqrt(0.25 + 2.0 * rng.random(plan.count))
        span = HISTORY_DAYS * DAY - 2 * MINUTE
        received = np.sort(plan.now_us - MINUTE - ((1.0 - t) * span).astype(np.int64))
        seq, prev = plan.seq, plan.prev_hash
        for index, start in enumerate(range(0, plan.count, plan.chunk_size)):
            part = received[start : start + plan.chunk_size].tolist()
            chunk = self.chunk(index, plan.first_id + start, part, seq, prev)
            seq, prev = chunk.last_seq, chunk.last_hash
            yield chunk
            del chunk  # one chunk alive at a time: the caller drops its reference too

    def chunk(
        self, index: int, first_id: int, received: list[int], seq: int, prev_hash: str
    ) -> Chunk:
        """Requests `first_id`… received at `received`, events sealed from (seq, prev_hash)."""
        plan, n = self.plan, len(received)
        rng = np.random.default_rng([plan.seed, plan.first_id, index + 1])
        uniforms = rng.random((n, 24)).tolist()
        slow = rng.beta(2.8, 1.4, n).tolist()
        verify = rng.lognormal(math.log(25 * MINUTE), 1.7, n).tolist()
        stories = [
            self.stories.request(first_id + i, received[i], uniforms[i], slow[i], verify[i])
            for i in range(n)
        ]
        sealed = seal_stories(stories, seq, prev_hash, plan.suffix)
        requests = [row for row, _story in stories]
        slots = [(row, k) for row in requests for k in ROW_INSTANTS if row[k] is not None]
        for (row, k), at_text in zip(
            slots, texts([row[k] for row, k in slots], plan.suffix), strict=True
        ):
            row[k] = at_text
        last_seq, last_hash = (sealed[-1][0], sealed[-1][10]) if sealed else (seq, prev_hash)
        return Chunk(requests, sealed, seq, prev_hash, last_seq, last_hash)
