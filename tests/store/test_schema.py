"""Shopify's schema is the contract: every GraphQL document in `lib` validates against the
vendored 2026-10 schema and uses nothing deprecated.

Documents are found, not registered: every module of the `lib` package is imported and each
module-level string that parses as an executable GraphQL document with an operation is checked.
A document built inside a function is not seen — keep documents as module constants.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import re

import pytest
from graphql import GraphQLError, OperationDefinitionNode, parse

import lib
from lib.store import api
from lib.store.schema import SCHEMA_FILE, check, deprecations, validate_document

SOURCE = SCHEMA_FILE.parent / "SOURCE.md"
SKIPPED_MODULES = {"lib.__main__"}  # running it is the CLI


def sent_documents() -> dict[str, str]:
    """`module.NAME` → text of every module-level GraphQL operation document in `lib`."""
    found: dict[str, str] = {}
    for info in pkgutil.walk_packages(lib.__path__, "lib."):
        if info.name in SKIPPED_MODULES:
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, str) and _is_operation(value):
                found.setdefault(f"{info.name}.{name}", value)
    return found


def _is_operation(text: str) -> bool:
    try:
        document = parse(text)
    except GraphQLError:
        return False
    return any(isinstance(d, OperationDefinitionNode) for d in document.definitions)


def problems(text: str) -> list[str]:
    """Why Shopify would refuse `text`, or which deprecated parts it uses; [] if none."""
    refused = [e["message"] for e in validate_document(text)]
    return refused or deprecations(text)


DOCUMENTS = sent_documents()


def test_the_vendored_schema_is_the_file_source_md_names() -> None:
    recorded = re.search(r"^\| sha256 \| ([0-9a-f]{64}) \|$", SOURCE.read_text(), re.M)
    assert recorded is not None, "SOURCE.md has no sha256 line"
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == recorded.group(1)


def test_discovery_finds_the_documents_the_store_api_sends() -> None:
    known = {
        f"lib.store.api.{name}": getattr(api, name)
        for name in ("FIND_CUSTOMERS", "CUSTOMER", "PROFILE", "ORDERS", "ORDER_LINES", "SCOPES")
    }
    assert known.items() <= DOCUMENTS.items()
    assert "lib.store.api.ADDRESS" not in DOCUMENTS  # a fragment alone is not sent


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_document_is_valid_for_shopify_and_uses_nothing_deprecated(name: str) -> None:
    assert problems(DOCUMENTS[name]) == []


def test_the_check_refuses_unknown_and_deprecated_fields() -> None:
    unknown = 'query { customer(id: "gid://shopify/Customer/1") { id fooBar } }'
    deprecated = """query Phone($id: ID!) {
      customer(id: $id) { defaultPhoneNumber { phoneNumber marketingState } }
    }"""
    deprecated_argument = """query Hooks {
      webhookSubscriptions(first: 1, callbackUrl: "https://example.com/hook") { nodes { id } }
    }"""
    assert problems(unknown) == ["Field 'fooBar' doesn't exist on type 'Customer'"]
    assert problems(deprecated) == [
        "The field CustomerPhoneNumber.marketingState is deprecated. "
        "Use `smsMarketingConsent.state` instead."
    ]
    assert problems(deprecated_argument) == [
        "The argument 'callbackUrl' of field 'QueryRoot.webhookSubscriptions' is deprecated. "
        "Use `uri` instead."
    ]
    assert problems("query") == ["Syntax Error: Expected '{', found <EOF>."]


def test_refusals_have_shopify_shape_and_answers_are_cached_by_text() -> None:
    text = '{ customer(id: "gid://shopify/Customer/1") { id fooBar } }'
    (error,) = validate_document(text)
    assert error["extensions"] == {
        "code": "undefinedField",
        "typeName": "Customer",
        "fieldName": "fooBar",
    }
    assert error["locations"] == [{"line": 1, "column": 49}]
    assert check(text) is check(text)
