"""The demo store: a local HTTP server that answers like Shopify's Admin GraphQL API.

`POST /admin/api/<any version>/graphql.json` with `X-Shopify-Access-Token` runs the query over
the demo tables, priced and throttled with Shopify's leaky bucket (one bucket per token and shop),
and answers in Shopify's shape (`data`, `errors[].extensions.code`, `extensions.cost`). The shop
is taken from `X-Shopify-Shop-Domain` (absent: every demo shop). Faults for tests — 5xx answers,
429 with `Retry-After`, delays, dropped connections — are set at start or with
`POST /_demo/faults`; `GET /_demo/stats` reports what was served. Bulk query operations
(`lib.store.demo_bulk`) write their JSONL to `/_demo/bulk/<token>.jsonl`; `POST /_demo/bulk`
sets their faults (`fail_next`, `truncate_next`, `url_ttl`, `hold`).

Tokens: `POST /admin/oauth/access_token` is Shopify's token endpoint for the one app of
SHOPIFY_API_KEY / SHOPIFY_API_SECRET (`lib.store.demo_oauth`); GraphQL takes its unexpired
tokens and the legacy static `DEMO_STORE_TOKEN`. `POST /_demo/revoke` withdraws a shop's tokens,
`POST /_demo/oauth` sets the token lifetime or the client secret, `GET /_demo/oauth` counts grants.
`/admin/oauth/authorize` is the consent page a merchant installs the app from
(`lib.store.demo_consent`).

It is a stdlib `ThreadingHTTPServer` so a test can drop a connection without answering.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import socket
import sys
import threading
import time
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lib.core.config import Config
from lib.core.db import get_database
from lib.store.demo_bulk import FILE_PATH, OPERATIONS, BulkOperations
from lib.store.demo_consent import AUTHORIZE_PATH, ConsentAnswer, approve, authorize_page
from lib.store.demo_oauth import INVALID_TOKEN, TOKEN_PATH, DemoOAuth
from lib.store.demo_store import DemoStore, Faults, Stats

log = logging.getLogger("privacy_desk.demo_store")
GRAPHQL_PATH = re.compile(r"^/admin/api/[^/]+/graphql\.json$")
MAX_BODY = 1_000_000


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stalls
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the demo store logs nothing per request."""

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _shop(self) -> str | None:
        return self.headers.get("X-Shopify-Shop-Domain") or None

    def _token_request(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, {"errors": "body too large"})
            return
        raw = self.rfile.read(length)
        kind = self.headers.get("Content-Type") or ""
        self._send(*self.server.oauth.token_request(kind, raw, self._shop()))

    def _send_page(self, answer: ConsentAnswer) -> None:
        raw = answer.html.encode()
        self.send_response(answer.status)
        if answer.location:
            self.send_header("Location", answer.location)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _approve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, {"errors": "body too large"})
            return
        form = self.rfile.read(length).decode("utf-8", "replace")
        oauth = self.server.oauth
        self._send_page(approve(form, oauth.client_id, oauth.client_secret, oauth.issue_code))

    def do_GET(self) -> None:
        store = self.server.store
        path, _, query = self.path.partition("?")
        if path == AUTHORIZE_PATH:
            self._send_page(authorize_page(query, self.server.oauth.client_id))
        elif self.path == "/_demo/stats":
            self._send(200, {**asdict(store.stats), "faults": asdict(store.faults)})
        elif self.path == "/_demo/oauth":
            self._send(200, self.server.oauth.report())
        elif self.path == "/health":
            self._send(200, {"ok": True})
        elif path.startswith(FILE_PATH):
            self._bulk_file(path.removeprefix(FILE_PATH).removesuffix(".jsonl"))
        else:
            self._send(404, {"errors": "Not Found"})

    def do_POST(self) -> None:
        store = self.server.store
        if self.path.split("?")[0] == TOKEN_PATH:
            self._token_request()
            return
        if self.path.split("?")[0] == AUTHORIZE_PATH:
            self._approve()
            return
        body = self._body()
        if body is None:
            self._send(400, {"errors": "body must be a JSON object"})
        elif GRAPHQL_PATH.match(self.path.split("?")[0]):
            self._graphql(store, body)
        elif self.path == "/_demo/faults":
            try:
                store.faults.update(body)
            except ValueError as exc:
                self._send(400, {"errors": str(exc)})
                return
            self._send(200, asdict(store.faults))
        elif self.path == "/_demo/limits":
            store.set_limits(body.get("bucket"), body.get("restore_rate"))
            self._send(200, {"bucket": store.bucket_size, "restore_rate": store.restore_rate})
        elif self.path == "/_demo/scopes":
            store.scopes = frozenset(body.get("scopes") or ())
            self._send(200, {"scopes": sorted(store.scopes)})
        elif self.path == "/_demo/revoke":
            self._send(200, {"revoked": self.server.oauth.revoke(body.get("shop"))})
        elif self.path == "/_demo/oauth":
            try:
                self._send(200, self.server.oauth.configure(body))
            except (TypeError, ValueError) as exc:
                self._send(400, {"errors": str(exc)})
        elif self.path == "/_demo/bulk":
            try:
                self._send(200, self.server.bulk.configure(body))
            except ValueError as exc:
                self._send(400, {"errors": str(exc)})
        elif self.path == "/_demo/reset":
            store.stats, store.faults = Stats(), Faults()
            store.set_limits(None, None)
            self._send(200, {"ok": True})
        else:
            self._send(404, {"errors": "Not Found"})

    def _graphql(self, store: DemoStore, body: dict[str, Any]) -> None:
        with store.lock:
            store.stats.requests += 1
        token = self.headers.get("X-Shopify-Access-Token") or ""
        oauth = self.server.oauth
        if token != store.access_token and not oauth.accepts(token, self._shop()):
            self._send(401, {"errors": INVALID_TOKEN})
            return
        wait = store.delay()
        if wait:
            time.sleep(wait)
        fault = store.draw_fault()
        if fault == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault == "5xx":
            self._send(store.faults.error_status, {"errors": "Internal Server Error"})
            return
        if fault == "429":
            after = store.faults.retry_after
            headers = {} if after is None else {"Retry-After": f"{after:.1f}"}
            self._send(429, {"errors": "Exceeded 2 calls per second for api client."}, headers)
            return
        shop = self._shop()
        serving = OPERATIONS.set(self.server.bulk)
        try:
            scopes = oauth.scopes_of(token)  # an installed app has what it was granted
            answer = store.graphql(oauth.bucket_key(token), shop, body, scopes)
        except Exception:
            log.exception("demo store query failed")
            self._send(500, {"errors": "Internal Server Error"})
            return
        finally:
            OPERATIONS.reset(serving)
        self._send(200, answer)

    def _bulk_file(self, token: str) -> None:
        """A bulk operation's JSONL, streamed; an expired link is refused as storage does."""
        path, expired = self.server.bulk.file_for(token)
        if path is None:
            self._send(404, {"errors": "Not Found"})
            return
        if expired:
            self._send(403, {"errors": "Request has expired"})
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/jsonl")
        self.send_header("Content-Length", str(path.stat().st_size))
        self.end_headers()
        with path.open("rb") as source:
            shutil.copyfileobj(source, self.wfile, 1 << 16)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], store: DemoStore, oauth: DemoOAuth) -> None:
        super().__init__(address, _Handler)
        self.store = store
        self.oauth = oauth
        self.bulk = BulkOperations(store.db)
        host, port = self.server_address[:2]
        self.bulk.base_url = f"http://{host!s}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connections that a client (or a dropped-connection fault) closed are not errors."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class DemoStoreServer:
    """A running demo store on 127.0.0.1 (tests start it in a thread; the CLI serves forever)."""

    def __init__(
        self,
        store: DemoStore,
        host: str = "127.0.0.1",
        port: int = 0,
        oauth: DemoOAuth | None = None,
    ) -> None:
        self.store = store
        self.oauth = oauth or DemoOAuth.from_config(Config())
        self.httpd = _Server((host, port), store, self.oauth)
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8081."""
        host, port = self.httpd.server_address[:2]
        assert isinstance(host, str)  # an AF_INET server's address is (str, int)
        return f"http://{host}:{port}"

    def start(self) -> DemoStoreServer:
        """Serve in a background thread and return self."""
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        try:
            self.httpd.serve_forever()
        finally:
            self.httpd.server_close()
            self.httpd.bulk.close()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
        self.httpd.bulk.close()


def serve(config: Config, port: int | None = None, host: str = "127.0.0.1") -> None:
    """`python -m lib store`: serve the demo tables of DATABASE_URL until interrupted."""
    store = DemoStore(
        get_database(config.database_url),
        access_token=config.demo_store_token,
        bucket=float(config.demo_store_bucket),
        restore_rate=float(config.demo_store_restore_rate),
    )
    port = config.demo_store_port if port is None else port
    server = DemoStoreServer(store, host, port, DemoOAuth.from_config(config))
    log.info(
        "demo store at %s (bucket %s points, restore %s points/s)",
        server.url,
        config.demo_store_bucket,
        config.demo_store_restore_rate,
    )
    print(f"demo store listening at {server.url}", flush=True)
    server.serve_forever()
