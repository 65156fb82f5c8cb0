"""Bulk query operations in the demo store, with Shopify's semantics.

`bulkOperationRunQuery(query, groupObjects)` checks the inner query against Shopify's schema and
the app's scopes, refuses a second one while the shop's is still running
(`OPERATION_IN_PROGRESS`), then runs it in the background: every connection is read to its end,
and each node becomes one JSONL line; a node of a nested connection carries `__parentId` and
follows its parent (`groupObjects`). `bulkOperation(id:)` reports CREATED → RUNNING →
COMPLETED (or FAILED with its `errorCode`), `objectCount` while it runs, and at the end the
file's `url`, which expires (Shopify: 7 days; `url_ttl` here). The file is served by the demo
server at `/_demo/bulk/<token>.jsonl`; an expired link answers 403 like the storage links
Shopify hands out.

Faults for tests: `fail_next` (the next operation FAILED, INTERNAL_SERVER_ERROR),
`truncate_next` (COMPLETED, but the file stops mid-line), `hold` (operations stay RUNNING until
released), `url_ttl`.
"""

from __future__ import annotations

import contextvars
import itertools
import json
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from graphql import FieldNode, OperationDefinitionNode

from lib.core.db import Database
from lib.core.models import utcnow
from lib.store.demo_types import BULK, Context, Obj, gid, iso
from lib.store.schema import check

OPERATIONS: contextvars.ContextVar[BulkOperations | None] = contextvars.ContextVar(
    "demo_bulk_operations", default=None
)
"""The serving demo store's operations (set by `lib.store.demo_server` around each request)."""
URL_TTL = 7 * 24 * 3600.0
"""Seconds a result link works (Shopify: the `url` expires after 7 days)."""
FILE_PATH = "/_demo/bulk/"


@dataclass
class Operation:
    """One bulk query operation of one shop."""

    number: int
    shop: str
    query: str
    status: str = "CREATED"
    error_code: str | None = None
    object_count: int = 0
    root_object_count: int = 0
    created_at: str | None = field(default_factory=lambda: iso(utcnow()))
    completed_at: str | None = None
    file: Path | None = None
    token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    expires: float = 0.0

    @property
    def gid(self) -> str:
        """gid://shopify/BulkOperation/N."""
        return gid("BulkOperation", self.number)

    def node(self, base_url: str) -> Obj:
        """The BulkOperation object as the API answers it."""
        done = self.status == "COMPLETED" and self.file is not None
        size = str(self.file.stat().st_size) if self.file is not None and done else None
        return Obj(
            {
                "id": self.gid,
                "status": self.status,
                "errorCode": self.error_code,
                "objectCount": str(self.object_count),
                "rootObjectCount": str(self.root_object_count),
                "fileSize": size,
                "url": f"{base_url}{FILE_PATH}{self.token}.jsonl" if done else None,
                "partialDataUrl": None,
                "createdAt": self.created_at,
                "completedAt": self.completed_at,
                "query": self.query,
                "type": "QUERY",
            }
        )


@dataclass
class BulkFaults:
    """What to break in bulk operations (tests)."""

    fail_next: int = 0
    truncate_next: int = 0
    url_ttl: float = URL_TTL


class BulkOperations:
    """Every shop's bulk query operations; at most one running per shop."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.base_url = ""
        self.faults = BulkFaults()
        self.folder = Path(tempfile.mkdtemp(prefix="demo-bulk-"))
        self.lock = threading.Lock()
        self.held = threading.Event()
        self.held.set()  # set: operations run; cleared: they wait (tests of OPERATION_IN_PROGRESS)
        self._numbers = itertools.count(1)
        self._operations: dict[int, Operation] = {}

    def close(self) -> None:
        """Remove the result files (the demo store is stopping)."""
        self.held.set()  # a held operation finishes (and finds its folder gone)
        shutil.rmtree(self.folder, ignore_errors=True)

    def configure(self, values: dict[str, Any]) -> dict[str, Any]:
        """Set faults (`fail_next`, `truncate_next`, `url_ttl`) and `hold`: operations stay
        RUNNING while it is true."""
        hold = values.pop("hold", None)
        for name, value in values.items():
            if not hasattr(self.faults, name):
                raise ValueError(f"unknown bulk setting {name!r}")
            setattr(self.faults, name, value)
        if hold is not None:
            (self.held.clear if hold else self.held.set)()
        with self.lock:
            started = len(self._operations)
        return {**asdict(self.faults), "hold": not self.held.is_set(), "operations": started}

    def start(self, ctx: Context, query: str) -> tuple[Operation | None, list[dict[str, Any]]]:
        """Submit a bulk query: the operation, or None and Shopify's userErrors."""
        checked = check(query)
        if checked.document is None:
            return None, [_user_error(checked.errors[0]["message"], "INVALID")]
        operation = checked.document.definitions[0]
        if not isinstance(operation, OperationDefinitionNode) or not _has_connection(operation):
            return None, [_user_error("Bulk queries must contain at least one connection.")]
        denied = _dry_run(checked.document, operation, ctx)
        if denied:
            return None, [_user_error(denied)]
        shop = ctx.shop or ""
        with self.lock:
            running = next(
                (
                    o
                    for o in self._operations.values()
                    if o.shop == shop and o.status in ("CREATED", "RUNNING")
                ),
                None,
            )
            if running is not None:
                message = (
                    "A bulk query operation for this app and shop is already in progress: "
                    f"{running.gid}."
                )
                return None, [_user_error(message, "OPERATION_IN_PROGRESS")]
            op = Operation(next(self._numbers), shop, query)
            self._operations[op.number] = op
            fail, self.faults.fail_next = (
                self.faults.fail_next > 0,
                max(0, self.faults.fail_next - 1),
            )
            cut = self.faults.truncate_next > 0
            self.faults.truncate_next = max(0, self.faults.truncate_next - 1)
        scopes = ctx.scopes
        worker = threading.Thread(
            target=self._run, args=(op, checked.document, operation, scopes, fail, cut), daemon=True
        )
        worker.start()
        return op, []

    def find(self, shop: str | None, number: int | None) -> Operation | None:
        """The shop's operation with that number."""
        with self.lock:
            op = self._operations.get(number or 0)
            return op if op is not None and op.shop == (shop or "") else None

    def latest(self, shop: str | None) -> Operation | None:
        """The shop's most recent operation."""
        with self.lock:
            mine = [o for o in self._operations.values() if o.shop == (shop or "")]
            return max(mine, key=lambda o: o.number) if mine else None

    def file_for(self, token: str) -> tuple[Path | None, bool]:
        """The result file of a link and whether the link has expired."""
        with self.lock:
            op = next((o for o in self._operations.values() if o.token == token), None)
        if op is None or op.file is None:
            return None, False
        return op.file, time.monotonic() > op.expires

    def _run(
        self,
        op: Operation,
        document: Any,
        operation: OperationDefinitionNode,
        scopes: frozenset[str],
        fail: bool,
        cut: bool,
    ) -> None:
        op.status = "RUNNING"
        self.held.wait()
        if fail:
            op.status, op.error_code = "FAILED", "INTERNAL_SERVER_ERROR"
            op.completed_at = iso(utcnow())
            return
        path = self.folder / f"{op.number}.jsonl"
        try:
            with self.db.read() as session, path.open("wb") as sink:
                ctx = Context(session, op.shop or None, scopes)
                token = BULK.set(True)
                try:
                    answer = _execute(document, operation, ctx)
                finally:
                    BULK.reset(token)
                if answer.get("errors"):
                    raise RuntimeError(answer["errors"][0]["message"])
                root = operation.selection_set.selections[0]
                assert isinstance(root, FieldNode)
                self._write(op, answer["data"][(root.alias or root.name).value], root, None, sink)
            if cut:
                size = path.stat().st_size
                with path.open("r+b") as handle:
                    handle.truncate(max(0, size - 7))
        except Exception:
            op.status, op.error_code = "FAILED", "INTERNAL_SERVER_ERROR"
            op.completed_at = iso(utcnow())
            return
        op.file, op.expires = path, time.monotonic() + self.faults.url_ttl
        op.status, op.completed_at = "COMPLETED", iso(utcnow())

    def _write(
        self, op: Operation, value: Any, node: FieldNode, parent: str | None, sink: BinaryIO
    ) -> None:
        """The nodes of the connection `value` (selected by `node`) as lines, children after
        each node; objects that are not connections stay inline."""
        if value is None:
            return
        items = value.get("nodes")
        if items is None:
            items = [edge["node"] for edge in value.get("edges") or []]
        selections = _connection_fields(node)
        for item in items:
            line = {k: v for k, v in item.items() if k not in selections}
            if parent is None:
                op.root_object_count += 1
            else:
                line["__parentId"] = parent
            sink.write(json.dumps(line, separators=(",", ":")).encode() + b"\n")
            op.object_count += 1
            for key, child in selections.items():
                self._write(op, item.get(key), child, item.get("id"), sink)


def _user_error(message: str, code: str = "INVALID") -> dict[str, Any]:
    return {"field": ["query"], "message": message, "code": code}


def _connection_of(node: FieldNode) -> list[FieldNode]:
    """The fields inside a connection's `nodes { }` or `edges { node { } }`."""
    found: list[FieldNode] = []
    for sel in node.selection_set.selections if node.selection_set else ():
        if isinstance(sel, FieldNode) and sel.name.value == "nodes" and sel.selection_set:
            found += [s for s in sel.selection_set.selections if isinstance(s, FieldNode)]
        if isinstance(sel, FieldNode) and sel.name.value == "edges" and sel.selection_set:
            for inner in sel.selection_set.selections:
                if (
                    isinstance(inner, FieldNode)
                    and inner.name.value == "node"
                    and inner.selection_set
                ):
                    found += [s for s in inner.selection_set.selections if isinstance(s, FieldNode)]
    return found


def _is_connection(node: FieldNode) -> bool:
    return any(
        isinstance(s, FieldNode) and s.name.value in ("nodes", "edges")
        for s in (node.selection_set.selections if node.selection_set else ())
    )


def _connection_fields(node: FieldNode) -> dict[str, FieldNode]:
    """The nested connections among a connection's node fields, by response key."""
    return {(f.alias or f.name).value: f for f in _connection_of(node) if _is_connection(f)}


def _has_connection(operation: OperationDefinitionNode) -> bool:
    roots = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    return len(roots) == 1 and _is_connection(roots[0])


def _execute(document: Any, operation: OperationDefinitionNode, ctx: Context) -> dict[str, Any]:
    from lib.store.demo_exec import run  # the executor imports this module's resolvers' types

    return run(document, operation, {}, ctx)


def _dry_run(document: Any, operation: OperationDefinitionNode, ctx: Context) -> str | None:
    """Shopify checks access when the operation is submitted: the first denial, else None."""
    answer = _execute(document, operation, ctx)
    for error in answer.get("errors") or []:
        if (error.get("extensions") or {}).get("code") == "ACCESS_DENIED":
            return str(error["message"])
    return None


def run_query(ctx: Context, query: str) -> Obj:
    """`bulkOperationRunQuery`'s payload."""
    operations = OPERATIONS.get()
    if operations is None:
        errors = [_user_error("Bulk operations need the demo store's HTTP server.")]
        return Obj({"bulkOperation": None, "userErrors": [Obj(e) for e in errors]})
    op, errors = operations.start(ctx, query)
    node = op.node(operations.base_url) if op else None
    return Obj({"bulkOperation": node, "userErrors": [Obj(e) for e in errors]})


def operation_node(ctx: Context, number: int | None) -> Obj | None:
    """`bulkOperation(id:)` (a number) or the shop's latest (`currentBulkOperation`)."""
    operations = OPERATIONS.get()
    if operations is None:
        return None
    op = operations.find(ctx.shop, number) if number else operations.latest(ctx.shop)
    return op.node(operations.base_url) if op else None
