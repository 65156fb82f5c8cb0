"""Run a validated document over the demo store's types, along Shopify's schema; the bucket.

`run` is a lean GraphQL executor (graphql-core's own costs three times as much on an order
page): it walks the graphql-core AST with the schema's types, asks the demo classes
(`lib.store.demo_schema`) for each field, and completes values as the spec says: leaf values
coerced by the schema (an enum value the schema lacks is an error, the scalars Shopify sends as
strings — `UnsignedInt64`, `Decimal`, `Money` — become strings), a null in a non-null position
nulls the nearest nullable parent, and every failure is an error in Shopify's shape with its path.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLIncludeDirective,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    is_leaf_type,
    located_error,
)
from graphql.execution.values import (
    VariableValues,
    get_argument_values,
    get_directive_values,
    get_variable_values,
)

from lib.store.demo_schema import MutationRoot, QueryRoot
from lib.store.demo_types import Context, NotServed, Obj
from lib.store.schema import admin_schema, shopify_error

STANDARD_RESTORE_RATE = 100.0
"""Points restored per second on Shopify's Standard plan (Shopify's GraphQL Admin rate limits)."""
STANDARD_BUCKET = 2000.0
"""Bucket size: 20 s of restore, the ratio of Shopify's older published 1,000 / 50 figures."""
STRING_SCALARS = ("UnsignedInt64", "Decimal", "Money")


@cache
def demo_schema() -> GraphQLSchema:
    """Shopify's schema with the string-typed scalars serialised as Shopify sends them."""
    schema = admin_schema()
    for name in STRING_SCALARS:
        schema.get_type(name).coerce_output_value = str  # type: ignore[union-attr]
    return schema


class _Null(Exception):
    """A null reached a non-null position: the nearest nullable parent becomes null."""


@dataclass
class _Run:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: VariableValues
    errors: list[dict[str, Any]] = field(default_factory=list)
    collected: dict[tuple[str, int], dict[str, list[FieldNode]]] = field(default_factory=dict)

    def fail(self, exc: Exception, nodes: list[FieldNode], path: list[Any]) -> None:
        self.errors.append(shopify_error(located_error(exc, nodes, path)))

    def fields_of(
        self, kind: GraphQLObjectType, selections: list[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        """The fields selected on an object of `kind`, by response key (fragments merged)."""
        key = (kind.name, id(selections[0]) if len(selections) == 1 else id(selections))
        if key not in self.collected:
            out: dict[str, list[FieldNode]] = {}
            for selection_set in selections:
                self._collect(kind, selection_set, out)
            self.collected[key] = out
        return self.collected[key]

    def _collect(self, kind: GraphQLObjectType, selections: SelectionSetNode, out: dict) -> None:
        for node in selections.selections:
            if not self._included(node):
                continue
            if isinstance(node, FieldNode):
                out.setdefault((node.alias or node.name).value, []).append(node)
                continue
            condition: NamedTypeNode | None
            if isinstance(node, FragmentSpreadNode):
                fragment = self.fragments[node.name.value]
                condition, inner = fragment.type_condition, fragment.selection_set
            else:
                assert isinstance(node, InlineFragmentNode)  # the third kind of selection
                condition, inner = node.type_condition, node.selection_set
            if condition is None or self._applies(condition.name.value, kind):
                self._collect(kind, inner, out)

    def _included(self, node: Any) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (skip and skip["if"]) and not (include and not include["if"])

    def _applies(self, condition: str, kind: GraphQLObjectType) -> bool:
        target = self.schema.get_type(condition)
        if target is kind:
            return True
        return target is not None and self.schema.is_sub_type(target, kind)  # type: ignore[arg-type]

    def object(
        self, kind: GraphQLObjectType, value: Obj, selections: list[SelectionSetNode], path: list
    ) -> dict[str, Any]:
        """An object's selected fields; raises _Null when a non-null field came back null."""
        out: dict[str, Any] = {}
        for key, nodes in self.fields_of(kind, selections).items():
            name = nodes[0].name.value
            if name == "__typename":
                out[key] = kind.name
                continue
            definition = kind.fields[name]
            where = [*path, key]
            try:
                resolver = value.resolve(name) if isinstance(value, Obj) else None
                if resolver is None:
                    raise NotServed(kind.name, name)
                args = (
                    get_argument_values(definition, nodes[0], self.variables)
                    if definition.args
                    else {}
                )
                result = resolver(args)
            except Exception as exc:  # a field error: reported, the field is null
                self.fail(exc, nodes, where)
                result = None
            else:
                if result is None and isinstance(definition.type, GraphQLNonNull):
                    message = f"Cannot return null for non-nullable field {kind.name}.{name}."
                    self.fail(GraphQLError(message), nodes, where)
            out[key] = self.complete(definition.type, nodes, result, where)
        return out

    def complete(
        self, kind: GraphQLOutputType, nodes: list[FieldNode], value: Any, path: list
    ) -> Any:
        """One value of `kind` for the response (raises _Null for a null in a non-null spot)."""
        if isinstance(kind, GraphQLNonNull):
            done = self.complete(kind.of_type, nodes, value, path)
            if done is None:
                raise _Null
            return done
        if value is None:
            return None
        if isinstance(kind, GraphQLList):
            try:
                return [self._item(kind.of_type, nodes, v, [*path, i]) for i, v in enumerate(value)]
            except _Null:
                return None
        if is_leaf_type(kind):
            try:
                return kind.coerce_output_value(value)
            except Exception as exc:
                self.fail(exc, nodes, path)
                return None
        if not isinstance(kind, GraphQLObjectType):  # an interface or union: the value names
            named = value.values.get("__typename") if isinstance(value, Obj) else None
            concrete = self.schema.get_type(named) if named else None
            if not isinstance(concrete, GraphQLObjectType):
                self.fail(NotServed(str(kind), nodes[0].name.value), nodes, path)
                return None
            kind = concrete
        try:
            selections = [n.selection_set for n in nodes if n.selection_set is not None]
            return self.object(kind, value, selections, path)
        except _Null:
            return None

    def _item(self, kind: GraphQLOutputType, nodes: list[FieldNode], value: Any, path: list) -> Any:
        if value is None and isinstance(kind, GraphQLNonNull):
            self.fail(GraphQLError("Cannot return null for a non-nullable list item."), nodes, path)
        return self.complete(kind, nodes, value, path)


def run(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any],
    ctx: Context,
) -> dict[str, Any]:
    """The operation resolved over the demo data: `{data, errors?}` in Shopify's shape, or only
    `{errors}` when the variables do not fit the operation (nothing ran)."""
    schema = demo_schema()
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables)
    if isinstance(coerced, list):
        return {"errors": [shopify_error(error, "INVALID_VARIABLE") for error in coerced]}
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    walk = _Run(schema, fragments, coerced)
    mutation = operation.operation.value == "mutation"
    root = MutationRoot(ctx) if mutation else QueryRoot(ctx)
    kind = schema.mutation_type if mutation else schema.query_type
    assert kind is not None
    try:
        data = walk.object(kind, root, [operation.selection_set], [])
    except _Null:
        data = None
    return {"data": data, "errors": walk.errors} if walk.errors else {"data": data}


@dataclass
class LeakyBucket:
    """Shopify's calculated-cost limit: a request takes its requested cost up front, gets back
    the difference to its actual cost, and the bucket refills at `restore_rate` points/s."""

    maximum: float = STANDARD_BUCKET
    restore_rate: float = STANDARD_RESTORE_RATE
    available: float = -1.0
    updated: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.available < 0:
            self.available = self.maximum

    def _refill(self) -> None:
        now = time.monotonic()
        self.available = min(
            self.maximum, self.available + (now - self.updated) * self.restore_rate
        )
        self.updated = now

    def take(self, cost: float) -> bool:
        """Charge `cost` if the bucket holds it; False means throttled (nothing charged)."""
        with self.lock:
            self._refill()
            if cost > self.available:
                return False
            self.available -= cost
            return True

    def refund(self, points: float) -> None:
        """Give back the part of the requested cost that the query did not use."""
        with self.lock:
            self._refill()
            self.available = min(self.maximum, self.available + points)

    def status(self) -> dict[str, float]:
        """`throttleStatus` as Shopify reports it."""
        with self.lock:
            self._refill()
            return {
                "maximumAvailable": float(self.maximum),
                "currentlyAvailable": float(int(self.available)),
                "restoreRate": float(self.restore_rate),
            }

    def configure(self, maximum: float | None = None, restore_rate: float | None = None) -> None:
        """Change the limits (tests, benchmarks); the bucket starts full again."""
        with self.lock:
            self.maximum = self.maximum if maximum is None else float(maximum)
            self.restore_rate = self.restore_rate if restore_rate is None else float(restore_rate)
            self.available, self.updated = self.maximum, time.monotonic()
