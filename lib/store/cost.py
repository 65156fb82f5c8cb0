"""Query cost by Shopify's published rules, computed over the graphql-core AST and the schema.

Requested cost (what Shopify takes from the bucket before running a query): scalars and enums
0, an object 1, a connection 2 + `first` (or `last`) × the cost of one node (an object: 1 + its
selection), so nested connections multiply; an interface or union costs its most expensive
type-conditioned selection; a root mutation field 10. `pageInfo` and `edges`/`cursor` are part
of the connection's 2. Actual cost counts the data that came back: connections by the nodes they
hold. The demo store charges with these functions and the client plans pages with them, so both
sides agree on what a page costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
    is_leaf_type,
    value_from_ast_untyped,
)

from lib.store.schema import admin_schema, check

MAX_QUERY_COST = 1000
"""Shopify's single-query limit: a query whose requested cost is higher is refused."""
MUTATION_COST = 10

_Composite = GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType


@dataclass(frozen=True, slots=True)
class _Walk:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    flat: dict[tuple[int, str], list[FieldNode]] = field(default_factory=dict)
    """`_fields` answers by (selection set, type): the actual cost asks once per returned node."""


def operation_of(document: DocumentNode, name: str | None = None) -> OperationDefinitionNode:
    """The operation to run (the named one, or the only one); ValueError if there is none."""
    operation = get_operation_ast(document, name)
    if operation is None:
        raise ValueError(
            f"the document has no operation named {name!r}"
            if name
            else "the document has several operations: name one with operationName"
        )
    return operation


def query_cost(
    text: str, variables: dict[str, Any] | None = None, operation_name: str | None = None
) -> int:
    """The requested cost of a document's text; 0 when Shopify would refuse it anyway."""
    document = check(text).document
    if document is None:
        return 0
    return requested_cost(document, variables, operation_name)


def requested_cost(
    document: DocumentNode,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """What Shopify charges up front for the operation (every page counted full)."""
    walk, operation, root = _start(document, variables, operation_name)
    if operation.operation == OperationType.MUTATION:
        return sum(
            MUTATION_COST - 1 + _field(walk, node, root)
            for node in _fields(walk, operation.selection_set, root)
        )
    return _selection(walk, operation.selection_set, root)


def actual_cost(
    document: DocumentNode,
    data: dict[str, Any] | None,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """What the returned data cost: connections counted by the nodes they hold."""
    walk, operation, root = _start(document, variables, operation_name)
    total = _returned(walk, operation.selection_set, root, data)
    if operation.operation == OperationType.MUTATION and data:
        total += (MUTATION_COST - 1) * len(data)
    return total


def _start(
    document: DocumentNode, variables: dict[str, Any] | None, operation_name: str | None
) -> tuple[_Walk, OperationDefinitionNode, _Composite]:
    schema = admin_schema()
    operation = operation_of(document, operation_name)
    merged = {
        d.variable.name.value: value_from_ast_untyped(d.default_value)
        for d in operation.variable_definitions or ()
        if d.default_value is not None
    }
    merged.update(variables or {})
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    root = schema.get_root_type(operation.operation)
    if root is None:
        raise ValueError(f"the schema has no {operation.operation.value} type")
    return _Walk(schema, fragments, merged), operation, root


def _fields(walk: _Walk, selections: SelectionSetNode, parent: _Composite) -> list[FieldNode]:
    """The fields selected on `parent` itself (fragments on the same type flattened)."""
    key = (id(selections), parent.name)
    if key not in walk.flat:
        out: list[FieldNode] = []
        for node in selections.selections:
            if isinstance(node, FieldNode):
                out.append(node)
            else:
                fragment, on = _fragment(walk, node, parent)
                if on is parent:
                    out.extend(_fields(walk, fragment, parent))
        walk.flat[key] = out
    return walk.flat[key]


def _fragment(walk: _Walk, node: Any, parent: _Composite) -> tuple[SelectionSetNode, _Composite]:
    condition: NamedTypeNode | None
    if isinstance(node, FragmentSpreadNode):
        definition = walk.fragments[node.name.value]
        condition, selections = definition.type_condition, definition.selection_set
    else:
        assert isinstance(node, InlineFragmentNode)
        condition, selections = node.type_condition, node.selection_set
    on = walk.schema.get_type(condition.name.value) if condition else parent
    return selections, on if isinstance(on, _Composite) else parent


def _selection(walk: _Walk, selections: SelectionSetNode, parent: _Composite) -> int:
    """Cost of a selection set: its own fields plus the dearest type-conditioned fragment."""
    common, alternatives = 0, [0]
    for node in selections.selections:
        if isinstance(node, FieldNode):
            common += _field(walk, node, parent)
            continue
        fragment, on = _fragment(walk, node, parent)
        cost = _selection(walk, fragment, on)
        if on is parent:
            common += cost
        else:
            alternatives.append(cost)
    return common + max(alternatives)


def _field(walk: _Walk, node: FieldNode, parent: Any) -> int:
    definition = getattr(parent, "fields", {}).get(node.name.value)
    if definition is None or node.selection_set is None:
        return 0
    named = get_named_type(definition.type)
    if is_leaf_type(named):
        return 0
    if not named.name.endswith("Connection"):
        return 1 + _selection(walk, node.selection_set, named)
    per_node = sum(
        1 + _selection(walk, part, on) for part, on in _node_selections(walk, node, named)
    )
    return 2 + _page_size(walk, node) * max(per_node, 1)


def _page_size(walk: _Walk, node: FieldNode) -> int:
    """`first` or `last` of a connection field (0 when neither is given)."""
    for argument in node.arguments or ():
        if argument.name.value in ("first", "last"):
            size = value_from_ast_untyped(argument.value, walk.variables)
            return size if isinstance(size, int) and size > 0 else 0
    return 0


def _node_selections(
    walk: _Walk, connection: FieldNode, named: Any
) -> list[tuple[SelectionSetNode, Any]]:
    """The selection made on each node of a connection (via `nodes` or `edges { node }`)."""
    node_type = get_named_type(named.fields["nodes"].type) if "nodes" in named.fields else None
    out: list[tuple[SelectionSetNode, Any]] = []
    assert connection.selection_set is not None
    for part in _fields(walk, connection.selection_set, named):
        if part.name.value == "nodes" and part.selection_set:
            out.append((part.selection_set, node_type))
        elif part.name.value == "edges" and part.selection_set:
            edge = get_named_type(named.fields["edges"].type)
            for inner in _fields(walk, part.selection_set, edge):
                if inner.name.value == "node" and inner.selection_set:
                    out.append((inner.selection_set, node_type))
    return out


def _returned(
    walk: _Walk, selections: SelectionSetNode, parent: _Composite, data: dict[str, Any] | None
) -> int:
    if not data:
        return 0
    total = 0
    for node in _fields(walk, selections, parent):
        definition = getattr(parent, "fields", {}).get(node.name.value)
        value = data.get(node.alias.value if node.alias else node.name.value)
        if definition is None or node.selection_set is None or value is None:
            continue
        named = get_named_type(definition.type)
        if named.name.endswith("Connection") and isinstance(value, dict):
            total += 2
            for part, on in _node_selections(walk, node, named):
                total += sum(1 + _returned(walk, part, on, item) for item in _items(value))
                break
        elif isinstance(value, list):
            total += sum(1 + _returned(walk, node.selection_set, named, v) for v in value if v)
        else:
            total += 1 + _returned(walk, node.selection_set, named, value)
    return total


def _items(connection: dict[str, Any]) -> list[dict[str, Any]]:
    if connection.get("nodes") is not None:
        return [n for n in connection["nodes"] if n is not None]
    return [e["node"] for e in connection.get("edges") or [] if e and e.get("node") is not None]
