"""Real processes for tests (the intake, the dashboard, a provider): started with a log, waited
for until they answer, and stopped, killed when they do not stop."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from lib.core.config import PROJECT_ROOT
from lib.core.network import free_port

__all__ = ["free_port", "running_process", "stop_processes", "wait_until_up"]

START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll `url` until it answers (any HTTP status), or fail with the process's log."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer in {START_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")


def stop_processes(processes: Iterable[subprocess.Popen[bytes]]) -> None:
    """Ask every process to stop (all at once), then kill the ones still running."""
    processes = list(processes)
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_process(
    argv: list[str], health: str, log: Path, *, env: Mapping[str, str], cwd: Path = PROJECT_ROOT
) -> Iterator[subprocess.Popen[bytes]]:
    """`argv` running with its output in `log`, once `health` answers; stopped afterwards."""
    process = subprocess.Popen(
        argv, cwd=cwd, env=dict(env), stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    try:
        wait_until_up(health, process, log)
        yield process
    finally:
        stop_processes([process])
