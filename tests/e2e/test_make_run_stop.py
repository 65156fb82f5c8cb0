"""`make run` on a terminal: Ctrl-C stops every process once, without an error or a traceback,
and the console does not print a line per store call."""

from __future__ import annotations

import os
import pty
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from lib.core.config import PROJECT_ROOT
from tests.helpers.processes import free_port

READY = b"started dashboard"
WORKING = b"started ("
"""The worker's first log line: it is polling the queue (and the store) from here on."""


def _read_until(fd: int, pid: int, wanted: bytes | None, seconds: float) -> tuple[bytes, bool]:
    """Terminal output until `wanted` appears (or the process ends: `wanted` None)."""
    out = b""
    while True:
        ready, _, _ = select.select([fd], [], [], seconds)
        if not ready:
            return out, False
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the terminal closed: every process has exited
            return out, wanted is None
        if not chunk:
            return out, wanted is None
        out += chunk
        if wanted is not None and wanted in out:
            return out, True


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(sys.platform != "linux", reason="needs a pseudo-terminal and process groups")
def test_ctrl_c_on_make_run_stops_everything_cleanly(tmp_path: Path) -> None:
    ports = {name: free_port() for name in ("INTAKE_PORT", "DASHBOARD_PORT", "DEMO_STORE_PORT")}
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "DEMO_STORE_URL": f"http://127.0.0.1:{ports['DEMO_STORE_PORT']}",
        "SMTP_URL": "",
        **{name: str(port) for name, port in ports.items()},
    }
    python = str(PROJECT_ROOT / ".venv" / "bin" / "python")
    seed = [python, "-m", "lib", "demo", "--requests", "50", "--quiet"]
    subprocess.run(seed, cwd=PROJECT_ROOT, env=env, check=True, capture_output=True)
    pid, fd = pty.fork()
    if pid == 0:  # the child: make on the terminal, as a person runs it
        os.chdir(PROJECT_ROOT)
        os.execvpe("make", ["make", "run"], env)  # noqa: S606 - make is the command tested
    try:
        started, ready = _read_until(fd, pid, READY, 120)
        assert ready, started.decode(errors="replace")[-2000:]
        working, ready = _read_until(fd, pid, WORKING, 60)
        started += working
        assert ready, started.decode(errors="replace")[-2000:]
        os.write(fd, b"\x03")  # Ctrl-C
        stopping, ended = _read_until(fd, pid, None, 30)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    console = (started + stopping).decode(errors="replace")
    # make passes the interrupt on (killed by SIGINT, as the shell expects), never "Error 1"
    assert ended and os.waitstatus_to_exitcode(status) in (0, -signal.SIGINT), console[-2000:]
    assert "stopping…" in console
    assert "Error" not in console and "Traceback" not in console and "Aborted" not in console
    assert "HTTP Request:" not in console  # httpx's line per store call
    assert not any(_listening(port) for port in ports.values())
