"""A small HTTP/1.1 load generator: N keep-alive clients on asyncio streams, bounded by a count
and a time limit, recording each request's latency.

Deliberately bare (pre-built request bytes, Content-Length responses only) so that on a
two-core machine the clients take as little CPU from the server as possible. Given several
ports (server processes), client i talks to port i mod P, as a round-robin balancer would.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(slots=True)
class LoadResult:
    """What a run did: per-request latencies (s) and statuses, and its wall time."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    wall_seconds: float = 0.0

    @property
    def count(self) -> int:
        """Answered requests."""
        return len(self.latencies)

    def percentile(self, p: float) -> float:
        """The p-th percentile latency (nearest rank), in seconds."""
        ordered = sorted(self.latencies)
        rank = max(1, round(p / 100 * len(ordered)))
        return ordered[rank - 1]


async def _client(
    port: int,
    build: Callable[[int, int], bytes],
    client: int,
    tickets: itertools.count[int],
    total: int,
    deadline: float,
    result: LoadResult,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < deadline:
            index = next(tickets)
            if index >= total:
                return
            started = time.perf_counter()
            writer.write(build(client, index))
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
    finally:
        writer.close()
        await writer.wait_closed()


async def _run(
    ports: Sequence[int],
    build: Callable[[int, int], bytes],
    clients: int,
    total: int,
    seconds: float,
) -> LoadResult:
    result = LoadResult()
    tickets = itertools.count()
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _client(ports[c % len(ports)], build, c, tickets, total, deadline, result)
            for c in range(clients)
        )
    )
    result.wall_seconds = time.perf_counter() - started
    return result


def run_load(
    ports: int | Sequence[int],
    build: Callable[[int, int], bytes],
    *,
    clients: int,
    total: int,
    seconds: float,
) -> LoadResult:
    """Send up to `total` requests (`build(client, index)` makes each one's bytes) from
    `clients` concurrent connections to 127.0.0.1 at `ports`, stopping after `seconds`."""
    ports = [ports] if isinstance(ports, int) else list(ports)
    return asyncio.run(_run(ports, build, clients, total, seconds))
