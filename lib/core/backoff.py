"""How long to wait before the next try: one exponential backoff for jobs, mail and the store.

Full jitter, as AWS's Architecture Blog describes it ("Exponential Backoff And Jitter", Marc
Brooker, 2015, https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/): the
wait is drawn uniformly from zero up to the exponential ceiling `min(cap, base * 2**attempt)`.
Of the variants measured there it spreads clients that failed together the most evenly and does
the least total work; equal jitter (half fixed, half random) keeps them bunched at the half.
"""

from __future__ import annotations

import random

RNG = random.Random()
"""The process's draws when the caller passes none (a test may replace it to pin them)."""


def backoff_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after the failure numbered `attempt` (0 for the first): uniform in
    [0, min(cap, base * 2**attempt)]; a negative `attempt` counts as 0."""
    if base < 0 or cap < 0:
        raise ValueError("The backoff base and cap must not be negative.")
    ceiling = min(cap, base * 2 ** max(0, attempt))
    return (rng or RNG).uniform(0, ceiling)
