"""A mutation Shopify answered with `userErrors`: one exception, one readable sentence.

Shopify reports a refused input inside the payload (`userErrors { field message }`), not as a
GraphQL error, so the client returns it as data; `raise_user_errors` turns it into
`StoreRefused` for every mutation Privacy Desk runs.
"""

from __future__ import annotations

from typing import Any

from lib.store.client import StoreError


class StoreRefused(StoreError):
    """Shopify refused a change; the message quotes its reasons, nothing was changed."""


def raise_user_errors(payload: dict[str, Any] | None, what: str) -> dict[str, Any]:
    """The payload, or `StoreRefused` naming `what` and each user error (field: message)."""
    if payload is None:
        raise StoreRefused(f"Shopify returned no answer to {what}; nothing was changed.")
    errors = payload.get("userErrors") or []
    if errors:
        reasons = "; ".join(
            f"{'.'.join(e.get('field') or []) or 'input'}: {e.get('message')}" for e in errors
        )
        raise StoreRefused(f"Shopify refused {what} ({reasons}); nothing was changed.")
    return payload
