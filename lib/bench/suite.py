"""Run the benchmark suite: seed a throw-away database per size and backend, run every case and
its baseline in subprocesses, and report medians, ratios and peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lib.bench.cases import (
    DEFAULT_INTAKE_SUBMISSIONS,
    DEFAULT_STORE_ORDERS,
    Case,
    Target,
    all_cases,
)
from lib.bench.scratch import throwaway_database
from lib.core.config import PROJECT_ROOT

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_REPEATS = 3
CHILD_TIMEOUT_S = 1800


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the report (the JSON keys are the issue's contract)."""

    case: str
    n: int
    backend: str
    seconds: float
    baseline_seconds: float
    ratio: float
    peak_rss_mb: float
    extra: dict[str, Any]


class BenchError(RuntimeError):
    """A case or the seeding failed; the message carries the child's error output."""


def _child_env(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(PROJECT_ROOT)}


def seed(database_url: str, n: int) -> float:
    """Seed `n` demo requests with the real command; returns the seconds it took."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "lib", "demo", "--requests", str(n), "--quiet"],
        cwd=PROJECT_ROOT,
        env=_child_env(database_url),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"seeding {n} requests failed: {done.stderr.strip()[-2000:]}")
    return time.perf_counter() - started


def run_side(case: Case, side: str, target: Target, repeats: int) -> dict[str, Any]:
    """Run one side of a case in a fresh interpreter and return its JSON result."""
    done = subprocess.run(
        [sys.executable, "-m", "lib.bench.child", case.name, side, str(repeats), target.to_json()],
        cwd=PROJECT_ROOT,
        env=_child_env(target.database_url),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(
            f"{case.name} ({side}, n={target.n}) failed: {done.stderr.strip()[-2000:]}"
        )
    sample: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return sample


def run_case(case: Case, target: Target, repeats: int) -> Row:
    """Measure a case and its baseline against the same target, one after the other.

    The machine's 1-minute load average when the case starts is kept with the row: on a shared
    machine it says how much the absolute figures were disturbed (the ratio much less).
    """
    load = round(os.getloadavg()[0], 2)
    measured = run_side(case, "measure", target, repeats)
    extra = dict(measured["extra"])
    n = int(extra.pop("n", target.n))
    backend = str(extra.pop("backend", target.backend))
    if case.baseline is None:
        baseline_seconds = float(extra.pop("baseline_seconds"))
    else:
        baseline = run_side(case, "baseline", target, repeats)
        baseline_seconds = baseline["median"]
        extra.update({f"baseline_{k}": v for k, v in baseline["extra"].items()})
        extra["baseline_peak_rss_mb"] = baseline["peak_rss_mb"]
        extra["baseline_runs"] = baseline["seconds"]
    extra["runs"] = measured["seconds"]
    extra["warmup_seconds"] = measured["warmup_seconds"]
    extra["load_1m"] = load
    if case.ratio_key:
        ratio = float(measured["extra"][case.ratio_key])
    else:
        ratio = measured["median"] / baseline_seconds if baseline_seconds else float("inf")
    return Row(
        case.name,
        n,
        backend,
        round(measured["median"], 6),
        round(baseline_seconds, 6),
        float(f"{ratio:.4g}"),  # 4 significant digits: a 0.0002 ratio is not 0
        measured["peak_rss_mb"],
        extra,
    )


def run_suite(
    sizes: tuple[int, ...] = DEFAULT_SIZES,
    case_names: tuple[str, ...] | None = None,
    backends: tuple[str, ...] = ("sqlite",),
    repeats: int = DEFAULT_REPEATS,
    postgres_url: str | None = None,
    report: Callable[[str], None] = print,
    *,
    store_orders: int = DEFAULT_STORE_ORDERS,
    intake_submissions: int = DEFAULT_INTAKE_SUBMISSIONS,
) -> list[Row]:
    """Run the chosen cases at every size on every backend; `report` gets progress lines.

    Cases marked `once` run a single time, after the sized ones.
    """
    cases = all_cases()
    unknown = set(case_names or ()) - set(cases)
    if unknown:
        raise BenchError(f"unknown case(s) {', '.join(sorted(unknown))}; known: {', '.join(cases)}")
    if "postgresql" in backends and not postgres_url:
        raise BenchError("the postgresql backend needs BENCH_DATABASE_URL")
    chosen = [cases[name] for name in (case_names or tuple(cases))]
    sized = [case for case in chosen if not case.once]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="privacy-desk-bench-") as scratch:
        workdir = Path(scratch)

        def target(url: str, n: int) -> Target:
            return Target(url, n, workdir, store_orders, intake_submissions)

        for backend in backends if sized else ():
            for n in sizes:
                with throwaway_database(backend, f"bench_{n}", workdir, postgres_url) as url:
                    if any(case.needs_seed for case in sized):
                        report(f"[{backend} n={n:,}] seeding… ")
                        report(f"[{backend} n={n:,}] seeded in {seed(url, n):.1f} s")
                    for case in sized:
                        report(f"[{backend} n={n:,}] {case.name}…")
                        rows.append(run_case(case, target(url, n), repeats))
        for case in chosen:
            if case.once:
                report(f"[once] {case.name}…")
                rows.append(run_case(case, target(f"sqlite:///{workdir / 'once.db'}", 0), repeats))
    return rows


def _duration(seconds: float) -> str:
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def format_table(rows: list[Row]) -> str:
    """A fixed-width table for the terminal; `note` is the case's own headline figure."""
    header = (
        f"{'case':17} {'backend':10} {'n':>9} {'measured':>10} {'baseline':>10} "
        f"{'ratio':>7} {'peak MB':>8}  note"
    )
    lines = [header, "-" * (len(header) + 30)]
    for row in rows:
        lines.append(
            f"{row.case:17} {row.backend:10} {row.n:>9,} {_duration(row.seconds):>10} "
            f"{_duration(row.baseline_seconds):>10} {row.ratio:>7.3f} {row.peak_rss_mb:>8.1f}  "
            f"{row.extra.get('note', '')}"
        )
    return "\n".join(lines)


def format_markdown(rows: list[Row]) -> str:
    """The same table in Markdown (docs/BENCHMARKS.md)."""
    lines = [
        "| case | backend | n | measured | baseline | ratio | peak RSS MB | note |",
        "|---|---|--:|--:|--:|--:|--:|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.case} | {row.backend} | {row.n:,} | {_duration(row.seconds)} | "
            f"{_duration(row.baseline_seconds)} | {row.ratio:.2f} | {row.peak_rss_mb:.0f} | "
            f"{row.extra.get('note', '')} |"
        )
    return "\n".join(lines)


def read_json(path: Path) -> list[Row]:
    """Rows written by `write_json`."""
    return [Row(**row) for row in json.loads(path.read_text())]


def write_json(rows: list[Row], path: Path) -> None:
    """The machine-readable report: a list of objects with the contract's keys."""
    path.write_text(json.dumps([asdict(row) for row in rows], indent=2) + "\n")
