"""Real Privacy Desk processes for the reliability tests: `python -m lib intake` and
`python -m lib worker` started as subprocesses (the commands operators run), their output kept
in files, stopped or killed by their pid."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from lib.core.config import PROJECT_ROOT, Config
from tests.helpers.processes import free_port
from tests.store.helpers import config_env

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "reliability.json"


@dataclass
class Process:
    """A running command, its log file and how to end it."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    url: str | None = None
    _stopped: bool = field(default=False, repr=False)

    def output(self) -> str:
        """Everything the process wrote to stdout and stderr so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye — a crash."""
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)
        self._stopped = True

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM and wait (SIGKILL if it does not stop in time); returns the exit status."""
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        self._stopped = True
        return self.popen.returncode


def environment(config: Config, **extra: str) -> dict[str, str]:
    """The environment that makes a subprocess load `config` (plus `extra` variables)."""
    env = config_env(config)
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


def _start(name: str, argv: Sequence[str], env: dict[str, str], logs: Path) -> Process:
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    with log.open("ab") as sink:
        popen = subprocess.Popen(
            [sys.executable, "-m", "lib", *argv],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return Process(name, popen, log)


def start_intake(
    env: dict[str, str], logs: Path, name: str = "intake", port: int | None = None
) -> Process:
    """`python -m lib intake` on 127.0.0.1 (a free port by default), once /healthz answers."""
    port = port or free_port()
    process = _start(name, ["intake", "--host", "127.0.0.1", "--port", str(port)], env, logs)
    process.url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        assert process.popen.poll() is None, f"{name} exited:\n{process.output()}"
        try:
            if httpx.get(f"{process.url}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{name} did not answer:\n{process.output()}"
        time.sleep(0.05)


def start_worker(env: dict[str, str], logs: Path, name: str = "worker") -> Process:
    """`python -m lib worker` polling every 0.1 s (it runs until stopped)."""
    return _start(name, ["worker", "--id", name, "--poll", "0.1"], env, logs)


@contextmanager
def running(*processes: Process) -> Iterator[tuple[Process, ...]]:
    """Stop every process that is still running at the end (SIGTERM, then SIGKILL)."""
    with ExitStack() as stack:
        for process in processes:
            stack.callback(lambda p=process: p._stopped or p.stop())
        yield processes


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` (0..1) percentile by the nearest-rank method."""
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def latency_figures(seconds: Sequence[float], wall: float) -> dict[str, float]:
    """p50/p99/max in milliseconds and the throughput of a burst."""
    return {
        "p50_ms": round(percentile(seconds, 0.50) * 1000, 1),
        "p99_ms": round(percentile(seconds, 0.99) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
        "mean_ms": round(statistics.fmean(seconds) * 1000, 1),
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(seconds) / wall, 1),
    }


def record(test: str, figures: dict[str, Any]) -> None:
    """Print the figures and merge them into test-artifacts/reliability.json under `test`."""
    print(f"\n{test}: {json.dumps(figures, sort_keys=True)}")
    ARTIFACTS.parent.mkdir(parents=True, exist_ok=True)
    try:
        known = json.loads(ARTIFACTS.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        known = {}
    known[test] = {**figures, "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    ARTIFACTS.write_text(json.dumps(known, indent=2, sort_keys=True) + "\n", encoding="utf-8")
