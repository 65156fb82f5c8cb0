"""The one backoff: full jitter under an exponential ceiling, capped."""

from __future__ import annotations

import random

import pytest

from lib.core.backoff import backoff_delay


def _bounds(attempt: int, base: float, cap: float) -> tuple[float, float]:
    """The range `backoff_delay` draws from."""
    seen: list[tuple[float, float]] = []

    class Recorder(random.Random):
        def uniform(self, a: float, b: float) -> float:
            seen.append((a, b))
            return a

    backoff_delay(attempt, base, cap, Recorder())
    return seen[0]


def test_range_starts_at_zero_and_doubles_up_to_the_cap() -> None:
    assert [_bounds(n, 5, 300) for n in range(8)] == [
        (0, 5),
        (0, 10),
        (0, 20),
        (0, 40),
        (0, 80),
        (0, 160),
        (0, 300),
        (0, 300),
    ]
    assert _bounds(-3, 5, 300) == (0, 5)


def test_draws_spread_over_the_whole_range() -> None:
    rng = random.Random(7)
    draws = [backoff_delay(3, 1.0, 100.0, rng) for _ in range(2000)]
    assert all(0 <= d <= 8 for d in draws)
    # Full jitter, not equal jitter: a quarter of the draws fall below a quarter of the ceiling.
    assert 0.2 < sum(d < 2 for d in draws) / len(draws) < 0.3


def test_same_seed_same_waits() -> None:
    assert [backoff_delay(n, 0.5, 8, random.Random(1)) for n in range(5)] == [
        backoff_delay(n, 0.5, 8, random.Random(1)) for n in range(5)
    ]


def test_negative_base_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        backoff_delay(1, -1, 10)
