"""The benchmark's intake server never outlives the suite that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from lib.core.config import PROJECT_ROOT

STARTER = textwrap.dedent(
    """
    import subprocess, sys, time
    server = subprocess.Popen(
        [sys.executable, "-m", "lib.bench.intake_server"], stdout=subprocess.PIPE, text=True
    )
    print(server.pid, server.stdout.readline().strip(), flush=True)
    time.sleep(120)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_killed_benchmark_leaves_no_server_running(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.db'}"}
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert starter.stdout is not None
    server_pid, port = map(int, starter.stdout.readline().split())
    assert port > 0 and _alive(server_pid)
    starter.send_signal(signal.SIGKILL)  # no finally, no terminate() of the child
    starter.wait()
    deadline = time.monotonic() + 15
    while _alive(server_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    try:
        assert not _alive(server_pid), "the intake server outlived the benchmark that started it"
    finally:
        if _alive(server_pid):
            os.kill(server_pid, signal.SIGKILL)
