"""Smoke runs of `python -m lib bench`: the suite works end to end and every case yields a sane
row with the issue's JSON keys. Benchmarks are not tests: the sizes here are tiny and the
figures are not checked against targets, only for being real measurements."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lib.bench.cases import all_cases
from lib.core.config import PROJECT_ROOT
from tests.conftest import PG_URL, require_postgres

KEYS = {"case", "n", "backend", "seconds", "baseline_seconds", "ratio", "peak_rss_mb", "extra"}
SMOKE = ["--requests", "1000", "--repeats", "1", "--store-orders", "50"]
SMOKE += ["--intake-submissions", "150"]
PG_CASES = "overview_queries,csv_report,seed"
"""The cases whose baselines speak to PostgreSQL differently (psycopg cursor, COPY, casts)."""


def bench(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[str, Any]:
    """Run the command; return its table and the JSON it wrote."""
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "lib", "bench", *args, "--json", str(out)],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout, json.loads(out.read_text())


def sane(row: dict[str, Any]) -> None:
    """A real measurement: contract keys, positive finite figures."""
    assert set(row) == KEYS, row
    assert row["seconds"] > 0 and row["baseline_seconds"] > 0, row
    assert math.isfinite(row["ratio"]) and row["ratio"] > 0, row
    assert row["peak_rss_mb"] > 20, row  # a Python process with its imports
    assert isinstance(row["extra"], dict) and row["extra"]["runs"], row


@pytest.fixture(scope="module")
def sqlite_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict[str, Any]]]:
    return bench(tmp_path_factory.mktemp("bench"), *SMOKE, "--backends", "sqlite")


def test_every_case_yields_a_sane_row(sqlite_run):
    _table, rows = sqlite_run
    assert sorted(r["case"] for r in rows) == sorted(all_cases())  # once-only cases run last
    for row in rows:
        sane(row)
        store_n = {
            "store_export": 50,
            "demo_store": None,
            "store_export_bulk": 50,
            "mail_latency": 50,
        }
        if row["case"] == "demo_store":  # the orders of one export page at the cost limit
            assert 1 <= row["n"] <= 250
        else:
            assert row["n"] == store_n.get(row["case"], 1000)
        backend = "sqlite + demo store" if row["case"] == "mail_latency" else "demo store"
        assert row["backend"] == (backend if row["case"] in store_n else "sqlite")


def test_case_figures(sqlite_run):
    _table, rows = sqlite_run
    by_case = {r["case"]: r for r in rows}
    report = by_case["csv_report"]["extra"]
    assert report["rows"] == 1000
    assert report["baseline_tool"] in ("sqlite3 -csv", "sqlite3 module + csv.writer")
    assert 0 < by_case["requests_page"]["extra"]["rows"] <= 25
    assert by_case["overview_queries"]["extra"]["baseline_statements"] == 5
    seed = by_case["seed"]["extra"]
    assert seed["requests"] == 1000 and seed["rows"] == seed["baseline_rows"]
    intake = by_case["intake"]["extra"]
    assert intake["count"] == 150 and intake["baseline_count"] == 150
    assert 0 < intake["p50_ms"] <= intake["p99_ms"]
    assert intake["processes"] == intake["baseline_processes"] >= 1
    assert intake["server_cpu_ms"] > intake["baseline_server_cpu_ms"] > 0
    assert intake["loadgen_cpu_ms"] > 0
    store = by_case["store_export"]
    assert store["extra"]["pages"] == 2  # fewer than 50 orders per page at the 1,000-point cap
    assert store["ratio"] == pytest.approx(store["extra"]["steady_efficiency"], abs=1e-3)
    bulk = by_case["store_export_bulk"]["extra"]
    assert bulk["orders_csv_rows"] == 50
    assert by_case["store_export_bulk"]["baseline_seconds"] == 120.0
    assert bulk["rss_peak_mb_100_orders"] > 20 and bulk["seconds_100_orders"] > 0
    demo = by_case["demo_store"]
    assert demo["baseline_seconds"] == 2.0 and demo["extra"]["order_page_ms"] > 0
    assert demo["extra"]["rss_mb"] > 20


def test_table_lists_every_row(sqlite_run):
    table, rows = sqlite_run
    lines = table.strip().splitlines()
    assert lines[0].split()[:4] == ["case", "backend", "n", "measured"]
    assert len(lines) == 2 + len(rows)


@pytest.mark.slow
def test_postgresql_baselines(tmp_path):
    require_postgres()
    _table, rows = bench(
        tmp_path,
        *SMOKE,
        "--backends",
        "postgresql",
        "--cases",
        PG_CASES,
        env={"BENCH_DATABASE_URL": PG_URL},
    )
    assert [r["case"] for r in rows] == PG_CASES.split(",")
    for row in rows:
        sane(row)
        assert row["backend"] == "postgresql"
    report = {r["case"]: r for r in rows}["csv_report"]["extra"]
    assert report["baseline_tool"].startswith("COPY")
    assert report["rows"] == 1000


def test_unknown_case_is_refused(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "lib", "bench", "--cases", "nope"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown case(s) nope" in done.stderr


def test_chart_and_markdown_from_the_json(sqlite_run, tmp_path):
    _table, rows = sqlite_run
    source = tmp_path / "sqlite.json"
    source.write_text(json.dumps(rows))
    out = tmp_path / "growth.svg"
    done = subprocess.run(
        [sys.executable, "-m", "lib.bench.chart", str(source), "--out", str(out), "--markdown"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.read_text().lstrip().startswith("<svg")
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("| case | backend | n |")
    assert [line.split(" | ")[0].strip("| ") for line in lines[2:]] == [r["case"] for r in rows]
