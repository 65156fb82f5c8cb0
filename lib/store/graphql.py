"""A small GraphQL reader: parse the queries Privacy Desk sends and price them like Shopify.

The demo store executes what this parses, and the client prices its own queries with the same
function before sending them, so both sides agree on what a page costs. Supported: operations
with variables, fields with aliases and arguments (literals, lists, objects, variables), nested
selections, named fragments and inline fragments. Not supported: directives, subscriptions.

Cost follows Shopify's published rules (`../shared/reference/shopify.md` §5): scalars and enums 0,
objects 1, a connection 2 + `first` × the cost of one node (nested connections multiply).
Without a schema, a field with a selection set is an object, one with `first`/`last` a connection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_QUERY_COST = 1000
"""Shopify's single-query limit: a query whose requested cost is higher is refused."""

_TOKEN = re.compile(
    r"""
    (?P<skip>[\s,]+|\#[^\n]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[{}()\[\]:=!$@|&])
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
    """,
    re.VERBOSE,
)
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_FREE_FIELDS = frozenset({"pageInfo", "__typename"})


class GraphQLSyntaxError(ValueError):
    """The document is not GraphQL this reader understands; the message says where."""


@dataclass(frozen=True, slots=True)
class Variable:
    """A `$name` reference inside arguments."""

    name: str


@dataclass(slots=True)
class Field:
    """One selected field: `alias: name(args) { selections }`."""

    name: str
    alias: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    selections: list[Field] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The key of this field in the response."""
        return self.alias or self.name


@dataclass(slots=True)
class Operation:
    """A parsed operation with fragments already expanded into its selections."""

    kind: str
    name: str | None
    variables: dict[str, Any]
    selections: list[Field]


def _tokens(source: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            raise GraphQLSyntaxError(f"unexpected character {source[pos]!r} at offset {pos}")
        pos = match.end()
        kind = match.lastgroup or ""
        if kind != "skip":
            out.append((kind, match.group()))
    return out


def _unquote(literal: str) -> str:
    out, i, body = [], 0, literal[1:-1]
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
        elif body[i + 1] == "u":
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        else:
            out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
            i += 2
    return "".join(out)


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokens(source)
        self.pos = 0

    def peek(self, value: str | None = None) -> bool:
        if self.pos >= len(self.tokens):
            return False
        return value is None or self.tokens[self.pos][1] == value

    def take(self, value: str | None = None, kind: str | None = None) -> str:
        if self.pos >= len(self.tokens):
            raise GraphQLSyntaxError(f"unexpected end of document, expected {value or kind}")
        token_kind, text = self.tokens[self.pos]
        if (value is not None and text != value) or (kind is not None and token_kind != kind):
            raise GraphQLSyntaxError(f"expected {value or kind}, found {text!r}")
        self.pos += 1
        return text

    def document(self) -> tuple[list[tuple[str, str | None, dict[str, Any], list]], dict]:
        operations, fragments = [], {}
        while self.peek():
            if self.peek("fragment"):
                self.take("fragment")
                name = self.take(kind="name")
                self.take("on")
                self.take(kind="name")
                fragments[name] = self.selection_set()
            elif self.peek("{"):
                operations.append(("query", None, {}, self.selection_set()))
            else:
                kind = self.take(kind="name")
                if kind not in ("query", "mutation"):
                    raise GraphQLSyntaxError(f"unsupported operation type {kind!r}")
                name = self.take(kind="name") if self.tokens[self.pos][0] == "name" else None
                defaults = self.variable_definitions() if self.peek("(") else {}
                operations.append((kind, name, defaults, self.selection_set()))
        return operations, fragments

    def variable_definitions(self) -> dict[str, Any]:
        defaults: dict[str, Any] = {}
        self.take("(")
        while not self.peek(")"):
            self.take("$")
            name = self.take(kind="name")
            self.take(":")
            self.type_reference()
            if self.peek("="):
                self.take("=")
                defaults[name] = self.value()
        self.take(")")
        return defaults

    def type_reference(self) -> None:
        if self.peek("["):
            self.take("[")
            self.type_reference()
            self.take("]")
        else:
            self.take(kind="name")
        if self.peek("!"):
            self.take("!")

    def selection_set(self) -> list[Any]:
        self.take("{")
        items: list[Any] = []
        while not self.peek("}"):
            if self.peek("..."):
                self.take("...")
                if self.peek("on"):
                    self.take("on")
                    self.take(kind="name")
                    items.extend(self.selection_set())
                elif self.peek("{"):
                    items.extend(self.selection_set())
                else:
                    items.append(("spread", self.take(kind="name")))
                continue
            items.append(self.field())
        self.take("}")
        return items

    def field(self) -> Field:
        name = self.take(kind="name")
        alias = None
        if self.peek(":"):
            self.take(":")
            alias, name = name, self.take(kind="name")
        arguments: dict[str, Any] = {}
        if self.peek("("):
            self.take("(")
            while not self.peek(")"):
                key = self.take(kind="name")
                self.take(":")
                arguments[key] = self.value()
            self.take(")")
        if self.peek("@"):
            raise GraphQLSyntaxError("directives are not supported")
        selections = self.selection_set() if self.peek("{") else []
        return Field(name, alias, arguments, selections)

    def value(self) -> Any:
        kind, text = self.tokens[self.pos] if self.pos < len(self.tokens) else ("", "")
        if text == "$":
            self.take("$")
            return Variable(self.take(kind="name"))
        if text == "[":
            self.take("[")
            items = []
            while not self.peek("]"):
                items.append(self.value())
            self.take("]")
            return items
        if text == "{":
            self.take("{")
            obj = {}
            while not self.peek("}"):
                key = self.take(kind="name")
                self.take(":")
                obj[key] = self.value()
            self.take("}")
            return obj
        self.pos += 1
        if kind == "string":
            return _unquote(text)
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "name":
            return {"true": True, "false": False, "null": None}.get(text, text)
        raise GraphQLSyntaxError(f"expected a value, found {text!r}")


def _expand(items: list[Any], fragments: dict[str, list[Any]], depth: int = 0) -> list[Field]:
    if depth > 20:
        raise GraphQLSyntaxError("fragments nest too deeply (a cycle?)")
    out: list[Field] = []
    for item in items:
        if isinstance(item, tuple):
            if item[1] not in fragments:
                raise GraphQLSyntaxError(f"unknown fragment {item[1]!r}")
            out.extend(_expand(fragments[item[1]], fragments, depth + 1))
        else:
            item.selections = _expand(item.selections, fragments, depth + 1)
            out.append(item)
    return out


def parse(source: str, operation_name: str | None = None) -> Operation:
    """Parse `source` and return the operation to run (the named one, or the only one)."""
    operations, fragments = _Parser(source).document()
    if not operations:
        raise GraphQLSyntaxError("the document has no operation")
    if operation_name is not None:
        chosen = [op for op in operations if op[1] == operation_name]
        if not chosen:
            raise GraphQLSyntaxError(f"no operation named {operation_name!r}")
    elif len(operations) > 1:
        raise GraphQLSyntaxError("several operations: say which one with operationName")
    else:
        chosen = operations
    kind, name, defaults, selections = chosen[0]
    return Operation(kind, name, defaults, _expand(selections, fragments))


def resolve(value: Any, variables: dict[str, Any]) -> Any:
    """An argument's value with `$variables` replaced."""
    if isinstance(value, Variable):
        return variables.get(value.name)
    if isinstance(value, list):
        return [resolve(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, variables) for k, v in value.items()}
    return value


def _page_size(node: Field, variables: dict[str, Any]) -> int | None:
    for key in ("first", "last"):
        if key in node.arguments:
            size = resolve(node.arguments[key], variables)
            return int(size) if isinstance(size, int) else 0
    return None


def selection_cost(fields: list[Field], variables: dict[str, Any]) -> int:
    """Requested cost of a selection set: every connection counted at its full page size."""
    total = 0
    for node in fields:
        if not node.selections or node.name in _FREE_FIELDS:
            continue
        page = _page_size(node, variables)
        if page is None:
            total += 1 + selection_cost(node.selections, variables)
        else:
            total += 2 + page * (1 + selection_cost(_node_selection(node), variables))
    return total


def actual_cost(fields: list[Field], data: dict[str, Any] | None) -> int:
    """Cost of what was returned: connections counted by the nodes they actually hold."""
    if not data:
        return 0
    total = 0
    for node in fields:
        value = data.get(node.key)
        if not node.selections or node.name in _FREE_FIELDS or value is None:
            continue
        if _is_connection(node):
            inner = _node_selection(node)
            total += 2 + sum(1 + actual_cost(inner, item) for item in _connection_nodes(value))
        elif isinstance(value, list):
            total += sum(1 + actual_cost(node.selections, item) for item in value)
        else:
            total += 1 + actual_cost(node.selections, value)
    return total


def _is_connection(node: Field) -> bool:
    return "first" in node.arguments or "last" in node.arguments


def _node_selection(connection: Field) -> list[Field]:
    """The fields selected on each node of a connection (via `nodes` or `edges.node`)."""
    chosen: list[Field] = []
    for part in connection.selections:
        if part.name == "nodes":
            chosen.extend(part.selections)
        elif part.name == "edges":
            chosen.extend(f for s in part.selections if s.name == "node" for f in s.selections)
    return chosen


def _connection_nodes(value: dict[str, Any]) -> list[dict[str, Any]]:
    if value.get("nodes") is not None:
        return value["nodes"]
    return [edge["node"] for edge in value.get("edges") or [] if edge.get("node") is not None]


def query_cost(operation: Operation, variables: dict[str, Any] | None = None) -> int:
    """The requested cost of `operation`: what Shopify takes from the bucket before running it."""
    merged = {**operation.variables, **(variables or {})}
    return selection_cost(operation.selections, merged)
