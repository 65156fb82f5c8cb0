"""The intake service for the benchmark, in a process of its own, plus a bare endpoint.

`python -m lib.bench.intake_server` serves `create_app` over DATABASE_URL on a free loopback
port (printed on the first line of stdout) until it is terminated, or until the benchmark that
started it is gone (a killed suite leaves no server behind). `POST /bench/bare` answers
200 from the same app, server and middleware, without touching the database: the floor a
submission is compared with.
"""

from __future__ import annotations

import os
import socket
import threading
import time

import uvicorn
from fastapi import FastAPI
from fastapi.responses import Response

from lib.bench.intake_case import BARE_PATH, SECRET
from lib.core.config import Config, get_config
from lib.core.db import get_database
from lib.intake.app import create_app

UNLIMITED = 1_000_000_000
"""Rate limits still counted (their upserts are part of a submission) but never reached."""


def bench_config(port: int) -> Config:
    """The process configuration with the benchmark's secret, rate limits and address."""
    return get_config().replace(
        shopify_api_secret=SECRET,
        rate_limit_ip_per_hour=UNLIMITED,
        rate_limit_email_per_hour=UNLIMITED,
        trusted_proxy_hops=1,  # the load generator forwards addresses as Shopify's proxy does
        public_base_url=f"http://127.0.0.1:{port}",
        smtp_url="",
    )


def bench_app(config: Config) -> FastAPI:
    """`create_app` with the bare endpoint added."""
    app = create_app(get_database(config.database_url), config)

    @app.post(BARE_PATH)
    def bare() -> Response:
        return Response(status_code=200)

    return app


def _exit_with_parent(server: uvicorn.Server, interval_s: float = 1.0) -> None:
    """Stop the server once the process that started it has died (this one is re-parented)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval_s)
        server.should_exit = True

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main() -> None:
    """Bind, print the port, serve until SIGTERM."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say they are TCP;
    # a plain socket would cost every request a 40 ms delayed-ACK stall.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    port = sock.getsockname()[1]
    app = bench_app(bench_config(port))
    print(port, flush=True)
    server = uvicorn.Server(
        uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", proxy_headers=False
        )
    )
    _exit_with_parent(server)
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
