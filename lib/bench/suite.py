"""Run the benchmark suite: seed a throw-away database per size and backend, run every case and
its baseline in subprocesses, and report medians, ratios and peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from lib.bench.cases import Case, all_cases
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


def run_side(
    case: Case, side: str, database_url: str, n: int, workdir: Path, repeats: int
) -> dict[str, Any]:
    """Run one side of a case in a fresh interpreter and return its JSON result."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "lib.bench.child",
            case.name,
            side,
            database_url,
            str(n),
            str(workdir),
            str(repeats),
        ],
        cwd=PROJECT_ROOT,
        env=_child_env(database_url),
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"{case.name} ({side}, n={n}) failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_case(
    case: Case, backend: str, database_url: str, n: int, workdir: Path, repeats: int
) -> Row:
    """Measure a case and its baseline against the same database, one after the other."""
    measured = run_side(case, "measure", database_url, n, workdir, repeats)
    baseline = run_side(case, "baseline", database_url, n, workdir, repeats)
    extra = dict(measured["extra"])
    extra["baseline_peak_rss_mb"] = baseline["peak_rss_mb"]
    extra["runs"] = measured["seconds"]
    extra["baseline_runs"] = baseline["seconds"]
    if case.ratio_key:
        ratio = float(measured["extra"][case.ratio_key])
    else:
        ratio = measured["median"] / baseline["median"] if baseline["median"] else float("inf")
    return Row(
        case.name,
        n,
        backend,
        round(measured["median"], 4),
        round(baseline["median"], 4),
        round(ratio, 3),
        measured["peak_rss_mb"],
        extra,
    )


@contextmanager
def throwaway_database(
    backend: str, n: int, workdir: Path, postgres_url: str | None
) -> Iterator[str]:
    """A fresh database URL for one size: a SQLite file, or a PostgreSQL schema dropped after."""
    if backend == "sqlite":
        path = workdir / f"bench_{n}.db"
        for leftover in workdir.glob(f"bench_{n}.db*"):
            leftover.unlink()
        yield f"sqlite:///{path}"
        return
    if not postgres_url:
        raise BenchError("the postgresql backend needs BENCH_DATABASE_URL")
    schema = f"bench_{n}_{os.getpid()}"
    admin = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in postgres_url else "?"
    try:
        yield f"{postgres_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def run_suite(
    sizes: tuple[int, ...] = DEFAULT_SIZES,
    case_names: tuple[str, ...] | None = None,
    backends: tuple[str, ...] = ("sqlite",),
    repeats: int = DEFAULT_REPEATS,
    postgres_url: str | None = None,
    report: Callable[[str], None] = print,
) -> list[Row]:
    """Run the chosen cases at every size on every backend; `report` gets progress lines."""
    cases = all_cases()
    unknown = set(case_names or ()) - set(cases)
    if unknown:
        raise BenchError(f"unknown case(s) {', '.join(sorted(unknown))}; known: {', '.join(cases)}")
    chosen = [cases[name] for name in (case_names or tuple(cases))]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="privacy-desk-bench-") as scratch:
        workdir = Path(scratch)
        for backend in backends:
            for n in sizes:
                with throwaway_database(backend, n, workdir, postgres_url) as url:
                    if any(case.needs_seed for case in chosen):
                        report(f"[{backend} n={n:,}] seeding… ")
                        report(f"[{backend} n={n:,}] seeded in {seed(url, n):.1f} s")
                    for case in chosen:
                        report(f"[{backend} n={n:,}] {case.name}…")
                        rows.append(run_case(case, backend, url, n, workdir, repeats))
    return rows


def format_table(rows: list[Row]) -> str:
    """A fixed-width table for the terminal."""
    header = (
        f"{'case':18} {'backend':10} {'n':>10} {'seconds':>10} {'baseline':>10} "
        f"{'ratio':>8} {'peak MB':>8}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row.case:18} {row.backend:10} {row.n:>10,} {row.seconds:>10.4f} "
            f"{row.baseline_seconds:>10.4f} {row.ratio:>8.3f} {row.peak_rss_mb:>8.1f}"
        )
    return "\n".join(lines)


def write_json(rows: list[Row], path: Path) -> None:
    """The machine-readable report: a list of objects with the contract's keys."""
    path.write_text(json.dumps([asdict(row) for row in rows], indent=2) + "\n")
