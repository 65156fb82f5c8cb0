"""The benchmark cases: each pairs a measured path with its baseline (the limit it is held to).

A case function gets a `Target` (a seeded database, its size, a scratch folder) and returns a
`Sample` for one repetition. Each side of a case runs in a fresh subprocess (`lib.bench.child`),
so peak memory is the case's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Target:
    """What a case runs against."""

    database_url: str
    n: int
    workdir: Path


@dataclass(slots=True)
class Sample:
    """One repetition's result: elapsed seconds plus case-specific figures."""

    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)


Measure = Callable[[Target], Sample]


@dataclass(frozen=True, slots=True)
class Case:
    """A measured path and its baseline. `ratio` is seconds ÷ baseline seconds unless the case
    reports a fraction of a limit instead (`ratio_key` in the measured sample's extra)."""

    name: str
    description: str
    measure: Measure
    baseline: Measure
    baseline_description: str
    ratio_key: str | None = None
    needs_seed: bool = True


def all_cases() -> dict[str, Case]:
    """Every case by name, in the order the report lists them."""
    from lib.bench import seed_case

    cases = [*seed_case.CASES]
    return {case.name: case for case in cases}
