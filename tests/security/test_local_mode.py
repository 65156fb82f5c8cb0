"""Local mode (no sign-in) serves this machine only (issue 14, findings 1, 5 and 10).

`streamlit run dashboard_server.py --server.address=` listened on every interface and counted as
loopback; now an empty or wildcard address is not loopback and the server refuses to start. On
loopback, requests must name this machine in `Host` (a web page that points its own name at
127.0.0.1 gets 421; DNS rebinding), and no response of the dashboard may be framed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from streamlit import config as st_config

from lib.core.config import PROJECT_ROOT
from lib.core.network import is_loopback
from lib.dashboard import session
from tests.helpers.processes import free_port, running_process

START_TIMEOUT_S = 90
STRANGER = "rebind.attacker.example"


@pytest.mark.parametrize(
    ("address", "local"),
    [("", False), ("0.0.0.0", False), ("::", False), ("192.0.2.7", False),  # noqa: S104
     ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True)],
)  # fmt: skip
def test_only_loopback_addresses_allow_local_mode(address: str, local: bool) -> None:
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", address)
    try:
        assert session.local_mode_allowed() is local
        assert is_loopback(address) is local
    finally:
        st_config.set_option("server.address", before)


def _streamlit(port: int, address: str) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", "dashboard_server.py",
            f"--server.port={port}", f"--server.address={address}", "--server.headless=true",
            "--server.fileWatcherType=none"]  # fmt: skip


def _env(work: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'desk.db'}",
        "PYTHONPATH": str(PROJECT_ROOT),
    }


def test_the_dashboard_refuses_local_mode_on_every_interface(tmp_path: Path) -> None:
    """The command of the finding: an empty address. It exits with the reason and a fix."""
    done = subprocess.run(
        _streamlit(free_port(), ""),
        cwd=PROJECT_ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
    )
    assert done.returncode != 0
    assert "Local mode (no sign-in configured) serves this machine only" in done.stderr
    assert "--server.address 127.0.0.1" in done.stderr


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard server in local mode on 127.0.0.1; yields its port as text."""
    work = tmp_path_factory.mktemp("local_mode")
    port, log = free_port(), work / "dashboard.log"
    health = f"http://127.0.0.1:{port}/_stcore/health"
    with running_process(_streamlit(port, "127.0.0.1"), health, log, env=_env(work)):
        yield str(port)


PATHS = ("/", "/_stcore/health", "/reports/requests.csv?token=forged")


@pytest.mark.parametrize("path", PATHS)
def test_local_mode_answers_only_to_this_machines_names(dashboard: str, path: str) -> None:
    url = f"http://127.0.0.1:{dashboard}{path}"
    for host in (f"localhost:{dashboard}", f"127.0.0.1:{dashboard}", f"[::1]:{dashboard}"):
        assert httpx.get(url, headers={"host": host}).status_code != 421, host
    for host in (f"{STRANGER}:{dashboard}", STRANGER, "localhost", f"localhost:{dashboard}1"):
        refused = httpx.get(url, headers={"host": host})
        assert refused.status_code == 421, host
        assert "answers only to localhost" in refused.text


def _handshake(port: str, host: str) -> bytes:
    """The first line of the server's answer to a WebSocket upgrade of Streamlit's stream."""
    with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as sock:
        sock.sendall(
            (
                "GET /_stcore/stream HTTP/1.1\r\n"
                f"Host: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                f"Origin: http://{host}\r\n\r\n"
            ).encode()
        )
        return sock.recv(200).split(b"\r\n", 1)[0]


def test_the_websocket_refuses_a_stranger_host(dashboard: str) -> None:
    assert b" 101 " in _handshake(dashboard, f"localhost:{dashboard}")
    assert b" 403 " in _handshake(dashboard, f"{STRANGER}:{dashboard}")


@pytest.mark.parametrize("path", PATHS)
def test_no_dashboard_response_may_be_framed(dashboard: str, path: str) -> None:
    answer = httpx.get(f"http://127.0.0.1:{dashboard}{path}")
    assert answer.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]


def test_without_its_database_the_dashboard_says_so_in_one_line(tmp_path: Path) -> None:
    env = {**_env(tmp_path), "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"}
    done = subprocess.run(
        _streamlit(free_port(), "127.0.0.1"),
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
    )
    assert done.returncode != 0
    assert "error: cannot reach the database" in done.stderr
    assert "Traceback" not in done.stderr
