"""Shopify's Admin GraphQL schema (vendored introspection) and document checks against it.

The schema is built once per process from `schema/admin_<version>.json.gz` (Shopify's own
introspection, see `schema/SOURCE.md`). `check(text)` parses and validates a document the way
Shopify refuses one — errors in Shopify's shape, `extensions.code` in graphql-ruby's names — and
remembers the answer by text, so a repeated query is neither parsed nor validated again.
`deprecations(text)` names every deprecated field, argument, input field or enum value used.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from graphql import (
    ArgumentNode,
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    build_client_schema,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import NoDeprecatedCustomRule

from lib.store.versions import PINNED as API_VERSION

SCHEMA_FILE = Path(__file__).parent / "schema" / f"admin_{API_VERSION}.json.gz"
CACHED_DOCUMENTS = 256

_CODES = {
    "ExecutableDefinitionsRule": "queryContainsSchemaDefinitions",
    "UniqueOperationNamesRule": "uniquelyNamedOperations",
    "LoneAnonymousOperationRule": "anonymousOperationNotAlone",
    "KnownTypeNamesRule": "undefinedType",
    "FragmentsOnCompositeTypesRule": "fragmentOnNonCompositeType",
    "VariablesAreInputTypesRule": "variableRequiresValidType",
    "ScalarLeafsRule": "selectionMismatch",
    "FieldsOnCorrectTypeRule": "undefinedField",
    "UniqueFragmentNamesRule": "fragmentNotUnique",
    "KnownFragmentNamesRule": "undefinedFragment",
    "NoUnusedFragmentsRule": "useAndDefineFragment",
    "PossibleFragmentSpreadsRule": "cannotSpreadFragment",
    "NoFragmentCyclesRule": "infiniteLoop",
    "UniqueVariableNamesRule": "variableNotUnique",
    "NoUndefinedVariablesRule": "variableNotDefined",
    "NoUnusedVariablesRule": "variableNotUsed",
    "KnownDirectivesRule": "undefinedDirective",
    "UniqueDirectivesPerLocationRule": "directiveNotUniqueForLocation",
    "KnownArgumentNamesRule": "argumentNotAccepted",
    "UniqueArgumentNamesRule": "argumentNotUnique",
    "ValuesOfCorrectTypeRule": "argumentLiteralsIncompatible",
    "ProvidedRequiredArgumentsRule": "missingRequiredArguments",
    "VariablesInAllowedPositionRule": "variableMismatch",
    "OverlappingFieldsCanBeMergedRule": "fieldConflict",
    "UniqueInputFieldNamesRule": "inputFieldNotUnique",
}
_UNDEFINED_FIELD = re.compile(r"Cannot query field '([^']+)' on type '([^']+)'")


@cache
def admin_schema() -> GraphQLSchema:
    """Shopify's Admin schema of API_VERSION (built once per process, about 0.3 s).

    `assume_valid`: graphql-core's own schema self-check rejects some of Shopify's interface
    deprecations; the schema is Shopify's and is taken as it is.
    """
    introspection = json.loads(gzip.decompress(SCHEMA_FILE.read_bytes()))
    return build_client_schema(introspection["data"], assume_valid=True)


def _coded(rule: type[ASTValidationRule]) -> type[ASTValidationRule]:
    """`rule` whose errors carry Shopify's `extensions.code` (and its wording for fields)."""
    code = _CODES.get(rule.__name__, rule.__name__.removesuffix("Rule"))

    def report_error(self: ASTValidationRule, error: GraphQLError) -> None:
        extensions: dict[str, Any] = {"code": code}
        found = _UNDEFINED_FIELD.match(error.message) if code == "undefinedField" else None
        if found:
            field, type_name = found.groups()
            error.message = f"Field '{field}' doesn't exist on type '{type_name}'"
            extensions |= {"typeName": type_name, "fieldName": field}
        error.extensions = extensions
        rule.report_error(self, error)

    return type(rule.__name__, (rule,), {"report_error": report_error})


_RULES = tuple(_coded(rule) for rule in specified_rules)


@dataclass(frozen=True, slots=True)
class Checked:
    """A parsed and validated document: `document` is None when `errors` refused it."""

    document: DocumentNode | None
    errors: tuple[dict[str, Any], ...]


def shopify_error(error: GraphQLError, code: str | None = None) -> dict[str, Any]:
    """`{message, locations, path, extensions: {code, …}}` as Shopify answers an error."""
    formatted = error.formatted
    extensions = dict(formatted.get("extensions") or {})
    if code is not None or "code" not in extensions:
        extensions["code"] = code or "INTERNAL_SERVER_ERROR"
    return {**formatted, "extensions": extensions}


@lru_cache(maxsize=CACHED_DOCUMENTS)
def check(text: str) -> Checked:
    """Parse and validate `text` against the Admin schema (answers cached by text)."""
    try:
        document = parse(text)
    except GraphQLSyntaxError as exc:
        return Checked(None, (shopify_error(exc, "parseError"),))
    errors = validate(admin_schema(), document, _RULES)
    if errors:
        return Checked(None, tuple(shopify_error(e) for e in errors))
    return Checked(document, ())


def validate_document(text: str) -> list[dict[str, Any]]:
    """Shopify's refusals of `text` (syntax, unknown fields, wrong arguments…); [] if valid."""
    return list(check(text).errors)


class _NoDeprecated(NoDeprecatedCustomRule):
    """graphql-core's rule, whose argument message reads the field's SDL node: a schema built
    from introspection has none, so the field is named from the document instead."""

    def enter_argument(self, node: ArgumentNode, *args: Any) -> None:
        definition = self.context.get_argument()
        if definition is None or definition.deprecation_reason is None:
            return
        directive = self.context.get_directive()
        if directive is not None:
            where = f"directive '@{directive.name}'"
        else:
            field = args[-1][-1]
            where = f"field '{self.context.get_parent_type()}.{field.name.value}'"
        self.report_error(
            GraphQLError(
                f"The argument '{node.name.value}' of {where} is deprecated. "
                f"{definition.deprecation_reason}",
                node,
            )
        )


def deprecations(text: str) -> list[str]:
    """Every deprecated field, argument, input field and enum value that `text` uses."""
    errors = validate(admin_schema(), parse(text), [_NoDeprecated])
    return [error.message for error in errors]
