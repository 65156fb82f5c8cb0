"""Building blocks of the demo store's GraphQL types: objects, connections, ids, cursors.

Each GraphQL object is an `Obj` whose methods `f_<field>(args)` resolve fields (plain values
sit in `values`); graphql-core walks them along Shopify's schema (`lib.store.demo_exec`), so a
value the schema does not allow (an unknown enum value, a null in a non-null field) is an error
here as it would be a bug at Shopify. `Connection` pages nodes with opaque cursors like Shopify's.
"""

from __future__ import annotations

import base64
import contextvars
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from lib.core.models import utcnow
from lib.store.schema import admin_schema

MAX_PAGE = 250
BULK_PAGE = 10_000_000
BULK: contextvars.ContextVar[bool] = contextvars.ContextVar("demo_bulk", default=False)
"""True while a bulk operation runs its query (`lib.store.demo_bulk`): connections unpaged."""
PROVINCES = {
    ("US", "CA"): "California",
    ("US", "CO"): "Colorado",
    ("US", "FL"): "Florida",
    ("US", "NY"): "New York",
    ("US", "TX"): "Texas",
    ("US", "VA"): "Virginia",
    ("US", "WA"): "Washington",
    ("CA", "ON"): "Ontario",
    ("CA", "QC"): "Quebec",
}
"""Names of the provinces the demo data uses (Shopify sends the name in `province`)."""


class AccessDenied(Exception):
    """The app lacks a scope this field needs (`required` names it)."""

    def __init__(self, field_name: str, required: str) -> None:
        super().__init__(
            f"Access denied for {field_name} field. Required access: `{required}` access scope."
        )
        self.required = required
        self.extensions = {"code": "ACCESS_DENIED", "requiredAccess": f"`{required}` access scope."}


class UserError(Exception):
    """A bad argument (e.g. page size over 250); reported like Shopify's argument errors."""

    extensions: ClassVar[dict[str, str]] = {"code": "BAD_REQUEST"}


class NotServed(Exception):
    """A field that is in Shopify's schema but that the demo store does not serve."""

    extensions: ClassVar[dict[str, str]] = {"code": "DEMO_STORE_UNSUPPORTED"}

    def __init__(self, type_name: str, field_name: str) -> None:
        super().__init__(
            f"The demo store does not serve {type_name}.{field_name} (it is valid at Shopify)"
        )


@dataclass
class Context:
    """What a query runs with: a read session, the shop it is about and the granted scopes."""

    session: Session
    shop: str | None
    scopes: frozenset[str]
    now: datetime = field(default_factory=utcnow)

    def need(self, scope: str, field_name: str) -> None:
        """Raise AccessDenied unless `scope` was granted."""
        if scope not in self.scopes:
            raise AccessDenied(field_name, scope)


def gid(kind: str, number: int) -> str:
    """A Shopify global id, e.g. gid://shopify/Customer/7."""
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value: Any, kind: str) -> int | None:
    """The number inside a gid of `kind` (or a bare number), else None."""
    text = str(value or "")
    prefix = f"gid://shopify/{kind}/"
    text = text[len(prefix) :] if text.startswith(prefix) else text
    return int(text) if text.isdigit() else None


def cursor(kind: str, number: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{number}".encode()).decode()


def after_id(kind: str, cursor: Any) -> int | None:
    if not cursor:
        return None
    try:
        tag, _, number = base64.urlsafe_b64decode(str(cursor)).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        raise UserError(f"Invalid cursor {cursor!r}") from None
    if tag != kind or not number.isdigit():
        raise UserError(f"Invalid cursor {cursor!r}")
    return int(number)


def page_size(args: dict[str, Any]) -> int:
    first = args.get("first")
    if first is None and BULK.get():  # a bulk operation reads every connection to its end
        return BULK_PAGE
    if not isinstance(first, int) or first < 0:
        raise UserError("you must provide `first` (0 to 250) to paginate a connection")
    if first > MAX_PAGE:
        raise UserError(f"The requested page size {first} exceeds the maximum of {MAX_PAGE}")
    return first


def iso(at: datetime | None) -> str | None:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ") if at else None


def money(amount: Decimal | str | float, currency: str) -> dict[str, Any]:
    return {"amount": f"{Decimal(str(amount)):.2f}", "currencyCode": currency}


class Obj:
    """A GraphQL object: fields are methods taking (args); plain values are in `values`."""

    def __init__(self, values: dict[str, Any] | None = None) -> None:
        self.values = values or {}

    def resolve(self, name: str) -> Callable[[dict[str, Any]], Any] | None:
        """The resolver of field `name`, or None when the demo store does not serve it."""
        method: Callable[[dict[str, Any]], Any] | None = getattr(self, "f_" + name, None)
        if method is not None:
            return method
        if name in self.values:
            return lambda _args: self.values[name]
        return None


class Connection(Obj):
    """A page of nodes with cursors and pageInfo."""

    def __init__(self, items: Sequence[tuple[str, Any]], has_next: bool) -> None:
        super().__init__()
        self.items, self.has_next = items, has_next

    def f_nodes(self, _args: dict[str, Any]) -> list[Any]:
        return [node for _, node in self.items]

    def f_edges(self, _args: dict[str, Any]) -> list[Obj]:
        return [Obj({"cursor": c, "node": n}) for c, n in self.items]

    def f_pageInfo(self, _args: dict[str, Any]) -> Obj:
        return Obj(
            {
                "hasNextPage": self.has_next,
                "hasPreviousPage": False,
                "startCursor": self.items[0][0] if self.items else None,
                "endCursor": self.items[-1][0] if self.items else None,
            }
        )


def fetch_page(
    ctx: Context, query: Select, key: Any, kind: str, args: dict[str, Any]
) -> tuple[list[Any], bool]:
    first = page_size(args)
    after = after_id(kind, args.get("after"))
    if after is not None:
        query = query.where(key > after)
    rows = list(ctx.session.scalars(query.order_by(key).limit(first + 1)))
    return rows[:first], len(rows) > first


_ADDRESS_FIELDS = [
    "id",
    "firstName",
    "lastName",
    "name",
    "company",
    "address1",
    "address2",
    "city",
    "province",
    "provinceCode",
    "zip",
    "country",
    "countryCodeV2",
    "phone",
]


def country_name(code: str | None) -> str | None:
    """The English name Shopify gives a country code (from the schema's CountryCode enum)."""
    value = admin_schema().get_type("CountryCode").values.get(code or "")  # type: ignore[union-attr]
    return value.description.rstrip(".") if value is not None and value.description else None


def address(values: dict[str, Any]) -> Obj:
    """A MailingAddress from demo columns: codes in `countryCodeV2`/`provinceCode`, names in
    `country`/`province` (a province the demo data does not name keeps its code)."""
    country, province = values.get("countryCodeV2"), values.get("provinceCode")
    derived = {
        "country": country_name(country),
        "province": (
            (PROVINCES.get((country, province), province) if country else province)
            if province
            else None
        ),
    }
    return Obj({**dict.fromkeys(_ADDRESS_FIELDS), **derived, **values})
