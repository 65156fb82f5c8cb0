"""Intake case: guest submissions over loopback from 50 keep-alive clients against the intake
service under uvicorn, against a bare endpoint of the same app and servers.

Each repetition starts fresh server processes (`lib.bench.intake_server`, one per core of the
reference machine: PROCESSES, or BENCH_INTAKE_PROCESSES) on the target database, as intake
replicas would run behind a round-robin balancer: client i talks to process i mod PROCESSES.
It sends a short warm-up burst, then a run bounded by a count and a time limit. Every client
has its own address (X-Forwarded-For, as Shopify's proxy sends) and every submission a new
email, so each one stores a request, its audit events and its verification mail. The bare
endpoint is measured on the same number of processes in the same way. The CPU time the servers
and the load generator spent per request is recorded too (`server_cpu_ms`, `loadgen_cpu_ms`).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from lib.bench.cases import Case, Sample, Target
from lib.bench.loadgen import LoadResult, run_load
from lib.core.config import PROJECT_ROOT
from lib.security import sign_app_proxy_query

SECRET = "bench-proxy-secret"  # noqa: S105 - a throw-away benchmark database
BARE_PATH = "/bench/bare"
CLIENTS = 50
TIME_LIMIT_S = 60.0
WARMUP_REQUESTS = 100
SHOP = "demo-shop.myshopify.com"  # seeded by `python -m lib demo`
PREFIX = "/apps/privacy"
START_TIMEOUT_S = 60.0
PROCESSES = int(os.environ.get("BENCH_INTAKE_PROCESSES", "2"))


@contextmanager
def intake_server(database_url: str) -> Iterator[tuple[int, int]]:
    """A running benchmark server: (port, pid)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "lib.bench.intake_server"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"no intake server on {database_url}") from None
                time.sleep(0.1)
        yield port, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def _peak_rss_mb(pid: int) -> float:
    """A running process's peak resident memory (Linux VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time the running processes `pids` have used so far."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _request(path: str, body: bytes, client: int) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Forwarded-For: 10.0.{client // 250}.{client % 250 + 1}"
        "\r\n\r\n"
    )
    return head.encode() + body


def _builder(bare: bool) -> Callable[[int, int], bytes]:
    """Request bytes per (client, index): a guest submission with a new email each time."""
    params: dict[str, str | list[str]] = {
        "shop": SHOP,
        "logged_in_customer_id": "",
        "path_prefix": PREFIX,
        "timestamp": str(int(time.time())),
    }
    query = sign_app_proxy_query(params, SECRET)
    path = BARE_PATH if bare else f"{PREFIX}/api/requests?{query}"
    run = f"{time.time_ns():x}"

    def build(client: int, index: int) -> bytes:
        body = json.dumps({"email": f"bench.{run}.{index}@example.net"}).encode()
        return _request(path, body, client)

    return build


def _load(target: Target, bare: bool) -> Sample:
    expected = 200 if bare else 202
    with ExitStack() as servers:
        running = [
            servers.enter_context(intake_server(target.database_url)) for _ in range(PROCESSES)
        ]
        ports, pids = [port for port, _ in running], [pid for _, pid in running]
        run_load(
            ports, _builder(bare), clients=CLIENTS, total=WARMUP_REQUESTS, seconds=TIME_LIMIT_S
        )
        server_cpu, own_cpu = _cpu_seconds(pids), _own_cpu_seconds()
        result = run_load(
            ports,
            _builder(bare),
            clients=CLIENTS,
            total=target.intake_submissions,
            seconds=TIME_LIMIT_S,
        )
        server_cpu, own_cpu = _cpu_seconds(pids) - server_cpu, _own_cpu_seconds() - own_cpu
        server_mb = max(_peak_rss_mb(pid) for pid in pids)
    return _sample(result, expected, server_mb, server_cpu, own_cpu)


def _sample(
    result: LoadResult, expected: int, server_mb: float, server_cpu: float, own_cpu: float
) -> Sample:
    unexpected = {s: n for s, n in result.statuses.items() if s != expected}
    if unexpected or not result.count:
        raise RuntimeError(f"unexpected answers: {result.statuses}")
    per_s = result.count / result.wall_seconds
    p50, p99 = result.percentile(50) * 1000, result.percentile(99) * 1000
    return Sample(
        result.wall_seconds / result.count,
        {
            "per_s": round(per_s, 1),
            "count": result.count,
            "p50_ms": round(p50, 1),
            "p99_ms": round(p99, 1),
            "clients": CLIENTS,
            "processes": PROCESSES,
            "server_cpu_ms": round(1000 * server_cpu / result.count, 3),
            "loadgen_cpu_ms": round(1000 * own_cpu / result.count, 3),
            "server_peak_rss_mb": server_mb,
            "note": f"{per_s:,.0f}/s, p50 {p50:,.0f} ms, p99 {p99:,.0f} ms",
        },
    )


def intake(target: Target) -> Sample:
    """Guest submissions (`POST /apps/privacy/api/requests`), seconds per submission."""
    return _load(target, bare=False)


def bare_endpoint(target: Target) -> Sample:
    """The same load on `POST /bench/bare` of the same server."""
    return _load(target, bare=True)


CASES = (
    Case(
        "intake",
        f"guest submissions over loopback, {CLIENTS} concurrent clients, bounded run",
        intake,
        bare_endpoint,
        "a bare endpoint of the same FastAPI app and uvicorn servers answering 200",
        warmup=False,
    ),
)
