"""The benchmark cases: each pairs a measured path with its baseline (the limit it is held to).

A case function gets a `Target` (a seeded database, its size, a scratch folder) and returns a
`Sample` for one repetition; it times only what it measures, so set-up stays out of the figure.
Each side of a case runs in a fresh subprocess (`lib.bench.child`), so peak memory is the case's
own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_STORE_ORDERS = 5_000
DEFAULT_INTAKE_SUBMISSIONS = 2_000


@dataclass(frozen=True, slots=True)
class Target:
    """What a case runs against (crosses into the child process as JSON)."""

    database_url: str
    n: int
    workdir: Path
    store_orders: int = DEFAULT_STORE_ORDERS
    intake_submissions: int = DEFAULT_INTAKE_SUBMISSIONS

    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql`."""
        return "sqlite" if self.database_url.startswith("sqlite") else "postgresql"

    def to_json(self) -> str:
        """The target as one JSON argument."""
        return json.dumps({**asdict(self), "workdir": str(self.workdir)})

    @classmethod
    def from_json(cls, text: str) -> Target:
        """The inverse of `to_json`."""
        values = json.loads(text)
        return cls(**{**values, "workdir": Path(values["workdir"])})


@dataclass(slots=True)
class Sample:
    """One repetition's result: elapsed seconds plus case-specific figures.

    A case without a baseline process puts `baseline_seconds` in `extra`; a case that does not
    run per database size and backend sets `n` and `backend` there (they label its row).
    """

    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)


Measure = Callable[[Target], Sample]


@dataclass(frozen=True, slots=True)
class Case:
    """A measured path and its baseline.

    `ratio` is seconds ÷ baseline seconds unless the case reports a fraction of a limit instead
    (`ratio_key` in the measured sample's extra). `baseline=None`: the limit is computed from the
    measured run itself (`baseline_seconds` in its extra). `repeats`/`warmup` override the
    suite's for a case too slow to repeat; `once`: it does not depend on the seeded database and
    runs once per suite.
    """

    name: str
    description: str
    measure: Measure
    baseline: Measure | None
    baseline_description: str
    ratio_key: str | None = None
    needs_seed: bool = True
    repeats: int | None = None
    warmup: bool = True
    once: bool = False


def all_cases() -> dict[str, Case]:
    """Every case by name, in the order they run: intake after the other sized cases (it adds
    requests to the database), then store_export (once per suite)."""
    from lib.bench import (
        bulk_case,
        erasure_case,
        intake_case,
        mail_case,
        overview_case,
        report_case,
        requests_case,
        seed_case,
        store_case,
    )

    cases = [
        *overview_case.CASES,
        *requests_case.CASES,
        *report_case.CASES,
        *seed_case.CASES,
        *intake_case.CASES,
        *store_case.CASES,
        *bulk_case.CASES,
        *mail_case.CASES,
        *erasure_case.CASES,
    ]
    return {case.name: case for case in cases}
