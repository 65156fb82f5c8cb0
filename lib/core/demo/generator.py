"""The generator: a plan → parts of chunks: request rows and hashed events.

Received instants are drawn once for the whole run (density grows threefold over the two years;
ids follow received time); each chunk draws its own numbers from a generator seeded by its
index, so the output depends on (plan, chunk size) only, not on how chunks are cut into parts.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from lib.core.demo.clock import DAY, MINUTE
from lib.core.demo.plan import Part, Plan
from lib.core.demo.sealing import seal_stories
from lib.core.demo.stories import StoryPlanner
from lib.core.demo.world import HISTORY_DAYS

PART_REQUESTS = 1_000
"""Requests per part: the unit handed from the generator to the writer, so that the pipeline
fills and drains in a part's time, not a chunk's."""


class Generator:
    """Turns a plan into parts of request rows and hashed events (deterministically)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.stories = StoryPlanner(plan)

    def parts(self) -> Iterator[Part]:
        """Every chunk in id order, as parts of at most PART_REQUESTS requests.

        The received instants are drawn once for the whole run, and each chunk's other numbers
        at once from a generator seeded by its index (the chunk, not the part, is the unit of
        the draws: output depends on the chunk size only). Stories are told and sealed a part
        at a time, so the writer can start on the first part while later ones are generated.
        """
        plan = self.plan
        rng = np.random.default_rng([plan.seed, plan.first_id, 0x5EED])
        # Density grows 3x over the period (more requests lately); ids follow received time.
        t = -0.5 + np.sqrt(0.25 + 2.0 * rng.random(plan.count))
        span = HISTORY_DAYS * DAY - 2 * MINUTE
        received = np.sort(plan.now_us - MINUTE - ((1.0 - t) * span).astype(np.int64))
        request = self.stories.request
        seq, prev_hash = plan.seq, plan.prev_hash
        for index, offset in enumerate(range(0, plan.count, plan.chunk_size)):
            first_id = plan.first_id + offset
            times = received[offset : offset + plan.chunk_size].tolist()
            n = len(times)
            rng = np.random.default_rng([plan.seed, plan.first_id, index + 1])
            uniforms = rng.random((n, 24)).tolist()
            slow = rng.beta(2.8, 1.4, n).tolist()
            verify = rng.lognormal(math.log(25 * MINUTE), 1.7, n).tolist()
            for start in range(0, n, PART_REQUESTS):
                stop = min(start + PART_REQUESTS, n)
                stories = [
                    request(first_id + i, times[i], uniforms[i], slow[i], verify[i])
                    for i in range(start, stop)
                ]
                events = seal_stories(stories, seq, prev_hash)
                seq, prev_hash = seq + len(events), events[-1][-1]
                yield Part([row for row, _story in stories], events, stop == n)
                del stories, events  # one part alive at a time: the caller drops it too
