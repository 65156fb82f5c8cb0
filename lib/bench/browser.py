"""Speed in a real browser: how long Overview, Requests and a request page take to become
interactive after navigation, on a warm dashboard server over a seeded database.

`python -m lib.bench.browser --database-url URL [--rounds N]` starts `streamlit run
dashboard_server.py` over URL on a free loopback port, opens Debian's Chromium under Playwright
(1440 x 900, headless), loads every page once (the warm-up: caches filled, code imported), then
measures `--rounds` navigations per page the way staff move: a click on the sidebar link (the
request page: *Open* on Requests). A page is interactive when its heading is shown and
Streamlit's script run has ended (no running indicator, no skeleton) — from then on its widgets
answer. Prints one JSON line per page: median, p90 and max seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from lib.core.config import PROJECT_ROOT
from lib.core.network import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BUDGET_SECONDS = 1.5
SETTLED = """() => !document.querySelector('[data-testid="stSkeleton"]')
    && !document.querySelector('[data-testid="stStatusWidget"]')"""
START_SECONDS = 120.0


def _start_dashboard(database_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(PROJECT_ROOT)}
    argv = [sys.executable, "-m", "streamlit", "run", "dashboard_server.py",
            f"--server.port={port}", "--server.headless=true",
            "--server.fileWatcherType=none"]  # fmt: skip
    process = subprocess.Popen(
        argv, cwd=PROJECT_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dashboard exited: {log.read_text()[-2000:]}")
        try:
            httpx.get(f"{url}/_stcore/health", timeout=1).raise_for_status()
            return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"the dashboard did not answer within {START_SECONDS:.0f} s")


def _interactive(page: Page, heading: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=60_000)
    page.wait_for_function(SETTLED, timeout=60_000)


def _sidebar(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()


def _open_first_request(page: Page) -> str:
    box = page.get_by_role("combobox", name="Open request")
    reference = box.input_value()
    page.get_by_test_id("stBaseButton-primary").filter(has_text="Open").click()
    return reference


def measure(url: str, rounds: int) -> dict[str, list[float]]:
    """Seconds from each navigation to an interactive page, per page."""
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {"Overview": [], "Requests": [], "Request page": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        page.goto(url)
        _interactive(page, "Overview")
        for n in range(rounds + 1):  # round 0 warms every page and is not counted
            for title in ("Requests", "Overview"):
                started = time.perf_counter()
                _sidebar(page, title)
                _interactive(page, title)
                if n:
                    times[title].append(time.perf_counter() - started)
            _sidebar(page, "Requests")
            _interactive(page, "Requests")
            started = time.perf_counter()
            reference = _open_first_request(page)
            _interactive(page, reference)
            if n:
                times["Request page"].append(time.perf_counter() - started)
        browser.close()
    return times


def _requests(database_url: str) -> int:
    from sqlalchemy import func, select

    from lib.core.db import Database
    from lib.core.models import Request

    db = Database(database_url)
    with db.read() as session:
        count = int(session.scalar(select(func.count()).select_from(Request)) or 0)
    db.dispose()
    return count


def main(argv: list[str] | None = None) -> None:
    """Start the dashboard over the database, measure each page, print JSON lines."""
    parser = argparse.ArgumentParser(prog="python -m lib.bench.browser")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)
    n = _requests(args.database_url)
    log = Path(tempfile.mkstemp(prefix="bench-dashboard-", suffix=".log")[1])
    process, url = _start_dashboard(args.database_url, log)
    try:
        times = measure(url, args.rounds)
    finally:
        process.terminate()
        process.wait(timeout=30)
    for name, seconds in times.items():
        ordered = sorted(seconds)
        p90 = ordered[max(0, round(0.9 * len(ordered)) - 1)]
        line = {"page": name, "requests": n, "rounds": len(ordered),
                "median_s": round(statistics.median(ordered), 3), "p90_s": round(p90, 3),
                "max_s": round(ordered[-1], 3), "budget_s": BUDGET_SECONDS,
                "load_1m": round(os.getloadavg()[0], 2)}  # fmt: skip
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
