"""Shopify's quarterly versions and their 12-month window, on fixed days (never the clock)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import date

import pytest

from lib.core.config import PROJECT_ROOT
from lib.core.db import Database
from lib.store.versions import (
    PINNED,
    latest_version,
    parse_version,
    supported_versions,
    version_warning,
    warn_if_unsupported,
)
from tests.helpers.processes import free_port

DEC_2026 = date(2026, 12, 4)


def test_versions_are_released_quarterly_on_the_first() -> None:
    assert parse_version("2026-10").released_on == date(2026, 10, 1)
    assert latest_version(date(2026, 9, 30)).handle == "2026-07"
    assert latest_version(date(2026, 10, 1)).handle == "2026-10"
    assert latest_version(date(2027, 1, 1)).handle == "2027-01"


def test_each_version_is_supported_for_twelve_months() -> None:
    version = parse_version("2025-10")
    assert version.supported_until == date(2026, 10, 1)
    assert version.supported_on(date(2026, 9, 30))
    assert not version.supported_on(date(2026, 10, 1))
    assert not parse_version("2027-01").supported_on(DEC_2026)


def test_the_window_in_december_2026_is_2026_01_to_2026_10() -> None:
    assert [v.handle for v in supported_versions(DEC_2026)] == [
        "2026-01",
        "2026-04",
        "2026-07",
        "2026-10",
    ]
    assert supported_versions(date(2027, 1, 1))[0].handle == "2026-04"


def test_the_pinned_version_is_current_in_december_2026() -> None:
    assert PINNED == "2026-10"
    assert version_warning(PINNED, DEC_2026) is None


@pytest.mark.parametrize(
    ("handle", "words"),
    [
        ("2025-10", "left Shopify's support window on 1 October 2026"),
        ("2027-01", "is not released yet (it comes out on 1 January 2027)"),
        ("unstable", "not a stable Shopify API version"),
        ("2026-05", "not a stable Shopify API version"),
    ],
)
def test_versions_outside_the_window_get_one_sentence(handle: str, words: str) -> None:
    warning = version_warning(handle, DEC_2026)
    assert warning is not None and words in warning
    assert "2026-01 to 2026-10" in warning


def test_the_pin_ages_out_after_twelve_months() -> None:
    assert version_warning(PINNED, date(2027, 9, 30)) is None
    assert "left Shopify's support window" in str(version_warning(PINNED, date(2027, 10, 1)))


def test_warn_if_unsupported_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="privacy_desk.store"):
        assert warn_if_unsupported("2025-10", DEC_2026) is not None
        assert warn_if_unsupported(PINNED, DEC_2026) is None
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "2025-10 left Shopify's support window" in caplog.records[0].getMessage()


def test_the_worker_warns_at_start_about_a_version_out_of_support(sqlite_db: Database) -> None:
    env = {**os.environ, "DATABASE_URL": sqlite_db.url, "SHOPIFY_API_VERSION": "2019-04"}
    worker = subprocess.run(
        [sys.executable, "-m", "lib", "worker", "--once"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert worker.returncode == 0, worker.stderr
    assert "SHOPIFY_API_VERSION 2019-04 left Shopify's support window" in worker.stderr


def test_the_intake_warns_at_start_about_a_version_out_of_support(sqlite_db: Database) -> None:
    env = {**os.environ, "DATABASE_URL": sqlite_db.url, "SHOPIFY_API_VERSION": "2019-04"}
    command = [sys.executable, "-m", "lib", "intake", "--port", str(free_port())]
    with subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stderr=subprocess.PIPE, text=True
    ) as intake:
        lines = []
        try:
            assert intake.stderr is not None
            for line in intake.stderr:  # the warning comes before uvicorn says it has started
                lines.append(line)
                if "support window" in line or "startup complete" in line:
                    break
        finally:
            intake.terminate()
    assert "SHOPIFY_API_VERSION 2019-04 left Shopify's support window" in lines[-1], lines
