"""Customer search for the demo store, in the subset of Shopify's syntax Privacy Desk uses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_

from lib.core.models import DemoCustomer

_SEARCH_COLUMNS = {
    "email": DemoCustomer.email,
    "phone": DemoCustomer.phone,
    "first_name": DemoCustomer.first_name,
    "last_name": DemoCustomer.last_name,
    "country": DemoCustomer.country,
}


def _terms(query: str) -> list[tuple[str | None, str]]:
    terms: list[tuple[str | None, str]] = []
    word, quoted = "", False
    for char in query + " ":
        if char == '"':
            quoted = not quoted
        elif char.isspace() and not quoted:
            if word:
                name, sep, value = word.partition(":")
                terms.append(
                    (name.lower(), value)
                    if sep and name.lower() in _SEARCH_COLUMNS
                    else (None, word)
                )
            word = ""
        else:
            word += char
    return terms


def search_conditions(query: str) -> list[Any]:
    """Shopify-like customer search: `email:`, `phone:`, `first_name:`… exact (a trailing `*`
    makes a prefix), other words match the start of a name or email; all terms must match."""
    conditions = []
    for name, value in _terms(query):
        value = value.strip().lower()
        if not value:
            continue
        if name is not None:
            column = func.lower(_SEARCH_COLUMNS[name])
            conditions.append(
                column.like(value[:-1] + "%") if value.endswith("*") else column == value
            )
            continue
        prefix = value.rstrip("*") + "%"
        conditions.append(
            or_(
                func.lower(DemoCustomer.first_name).like(prefix),
                func.lower(DemoCustomer.last_name).like(prefix),
                func.lower(DemoCustomer.email).like(prefix),
            )
        )
    return conditions
