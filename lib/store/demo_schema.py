"""The demo store's GraphQL types: Shopify's Admin API shape over the demo tables.

Only the part of Shopify's schema Privacy Desk reads is served (customers with addresses and
marketing consent, their orders with line items and addresses, the shop, granted scopes);
`lib.store.demo_exec` runs a validated document over these classes with graphql-core. Values are
what the schema allows: enum values of its enums, `UnsignedInt64` as strings, country and
province names beside their codes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, and_, func, select

from lib.core.demo.world import STORES
from lib.core.models import DemoCustomer, DemoLineItem, DemoOrder
from lib.store import demo_bulk, demo_records
from lib.store import demo_erasure as erasing
from lib.store import demo_mutations as mutate
from lib.store.demo_search import search_conditions
from lib.store.demo_types import (
    Connection,
    Context,
    Obj,
    UserError,
    address,
    after_id,
    cursor,
    fetch_page,
    gid,
    iso,
    money,
    page_size,
    parse_gid,
)

RECENT_ORDER_DAYS = 60  # without read_all_orders Shopify shows only the last 60 days
FULFILLMENT = {"partial": "PARTIALLY_FULFILLED"}
"""Demo fulfilment statuses whose OrderDisplayFulfillmentStatus is not simply upper case."""


class CustomerNode(Obj):
    """Customer."""

    def __init__(self, ctx: Context, row: DemoCustomer, orders: int | None = None) -> None:
        super().__init__(
            {
                "id": gid("Customer", row.id),
                "legacyResourceId": str(row.id),
                "firstName": row.first_name,
                "lastName": row.last_name,
                "displayName": f"{row.first_name} {row.last_name}".strip(),
                "email": row.email,
                "phone": row.phone,
                "note": row.note,
                "tags": [t.strip() for t in (row.tags or "").split(",") if t.strip()],
                "locale": row.locale,
                "createdAt": iso(row.created_at),
                "updatedAt": iso(row.created_at),
                "state": "ENABLED",
                "verifiedEmail": True,
                "taxExempt": False,
            }
        )
        self.ctx, self.row, self._orders = ctx, row, orders

    def f_dataSaleOptOut(self, _args: dict[str, Any]) -> bool:
        privacy = mutate.privacy_of(self.ctx, self.row.id)
        return bool(privacy and privacy.data_sale_opt_out)

    def _sms_state(self) -> str:
        privacy = mutate.privacy_of(self.ctx, self.row.id)
        return privacy.sms_marketing_state if privacy else "NOT_SUBSCRIBED"

    def _address(self) -> Obj:
        r = self.row
        return address(
            {
                "id": gid("MailingAddress", r.id) + "?model_name=CustomerAddress",
                "firstName": r.first_name,
                "lastName": r.last_name,
                "name": f"{r.first_name} {r.last_name}".strip(),
                "address1": r.address1,
                "city": r.city,
                "provinceCode": r.province,
                "zip": r.zip,
                "countryCodeV2": r.country,
                "phone": r.phone,
            }
        )

    def _order_filter(self) -> Any:
        cond = DemoOrder.customer_id == self.row.id
        if "read_all_orders" not in self.ctx.scopes:
            cond = and_(cond, DemoOrder.created_at >= self.ctx.now - timedelta(RECENT_ORDER_DAYS))
        return cond

    def f_numberOfOrders(self, _args: dict[str, Any]) -> int:  # the scalar writes it as text
        if self._orders is None:
            count = select(func.count()).select_from(DemoOrder)
            self._orders = self.ctx.session.scalar(count.where(self._order_filter())) or 0
        return self._orders

    def f_amountSpent(self, _args: dict[str, Any]) -> Obj:
        query = select(
            func.coalesce(func.sum(DemoOrder.total_price), 0), func.min(DemoOrder.currency)
        )
        total, currency = self.ctx.session.execute(query.where(self._order_filter())).one()
        return Obj(money(total, currency or "USD"))

    def _email_consent(self) -> dict[str, Any]:
        subscribed = bool(self.row.accepts_marketing)
        return {
            "marketingState": "SUBSCRIBED" if subscribed else "NOT_SUBSCRIBED",
            "marketingOptInLevel": "SINGLE_OPT_IN" if subscribed else None,
            "updatedAt": iso(self.row.created_at) if subscribed else None,
        }

    def f_defaultEmailAddress(self, _args: dict[str, Any]) -> Obj:
        consent = self._email_consent()
        return Obj(
            {
                "emailAddress": self.row.email,
                "marketingState": consent["marketingState"],
                "marketingOptInLevel": consent["marketingOptInLevel"],
                "marketingUpdatedAt": consent["updatedAt"],
                "validFormat": True,
            }
        )

    def f_emailMarketingConsent(self, _args: dict[str, Any]) -> Obj:
        consent = self._email_consent()
        return Obj({**consent, "consentUpdatedAt": consent["updatedAt"]})

    def f_defaultPhoneNumber(self, _args: dict[str, Any]) -> Obj | None:
        if not self.row.phone:
            return None
        state = self._sms_state()
        never = "NEVER_SUBSCRIBED" if state == "NOT_SUBSCRIBED" else state
        consent = {"state": never, "optInLevel": None, "updatedAt": None}
        return Obj(
            {
                "phoneNumber": self.row.phone,
                "smsMarketingConsent": Obj({**consent, "collectedFrom": None}),
                "marketingState": state,
                "marketingOptInLevel": None,
                "marketingUpdatedAt": None,
            }
        )

    def f_smsMarketingConsent(self, _args: dict[str, Any]) -> Obj | None:
        if not self.row.phone:
            return None
        return Obj(
            {
                "marketingState": self._sms_state(),
                "marketingOptInLevel": "UNKNOWN",
                "consentUpdatedAt": None,
                "consentCollectedFrom": None,
            }
        )

    def f_defaultAddress(self, _args: dict[str, Any]) -> Obj:
        return self._address()

    def f_addressesV2(self, args: dict[str, Any]) -> Connection:
        first = page_size(args)
        after = after_id("MailingAddress", args.get("after"))
        items = (
            []
            if first == 0 or after is not None
            else [(cursor("MailingAddress", 1), self._address())]
        )
        return Connection(items, False)

    def f_metafields(self, args: dict[str, Any]) -> Connection:
        return demo_records.metafields(self.ctx, self.row.id, args)

    def f_storeCreditAccounts(self, args: dict[str, Any]) -> Connection:
        return demo_records.store_credit_accounts(self.ctx, self.row.id, args)

    def f_subscriptionContracts(self, args: dict[str, Any]) -> Connection:
        return demo_records.subscription_contracts(self.ctx, self.row.id, args)

    def f_lastOrder(self, _args: dict[str, Any]) -> OrderNode | None:
        self.ctx.need("read_orders", "lastOrder")
        query = select(DemoOrder).where(DemoOrder.customer_id == self.row.id)
        row = self.ctx.session.scalar(query.order_by(DemoOrder.created_at.desc()).limit(1))
        return OrderNode(self.ctx, row, None) if row else None

    def f_orders(self, args: dict[str, Any]) -> Connection:
        self.ctx.need("read_orders", "orders")
        query = select(DemoOrder).where(self._order_filter())
        rows, more = fetch_page(self.ctx, query, DemoOrder.id, "Order", args)
        lines = _line_items(self.ctx, [r.id for r in rows])
        nodes = [(cursor("Order", r.id), OrderNode(self.ctx, r, lines.get(r.id, []))) for r in rows]
        return Connection(nodes, more)


def _line_items(ctx: Context, order_ids: list[int]) -> dict[int, list[DemoLineItem]]:
    found: dict[int, list[DemoLineItem]] = {}
    if order_ids:
        query = select(DemoLineItem).where(DemoLineItem.order_id.in_(order_ids))
        for item in ctx.session.scalars(query.order_by(DemoLineItem.id)):
            found.setdefault(item.order_id, []).append(item)
    return found


class OrderNode(Obj):
    """Order."""

    def __init__(self, ctx: Context, row: DemoOrder, lines: list[DemoLineItem] | None) -> None:
        created = iso(row.created_at)
        super().__init__(
            {
                "id": gid("Order", row.id),
                "legacyResourceId": str(row.id),
                "name": row.name,
                "createdAt": created,
                "processedAt": created,
                "updatedAt": created,
                "cancelledAt": None,
                "closedAt": None,
                "displayFinancialStatus": row.financial_status.upper(),
                "displayFulfillmentStatus": FULFILLMENT.get(
                    row.fulfillment_status, row.fulfillment_status.upper()
                ),
                "currencyCode": row.currency,
                "email": None,
                "phone": None,
                "note": None,
                "tags": [],
                "billingAddress": None,
            }
        )
        self.ctx, self.row, self._lines = ctx, row, lines

    def f_totalPriceSet(self, _args: dict[str, Any]) -> Obj:
        amount = Obj(money(self.row.total_price, self.row.currency))
        return Obj({"shopMoney": amount, "presentmentMoney": amount})

    def f_shippingAddress(self, _args: dict[str, Any]) -> Obj:
        r = self.row
        return address(
            {
                "address1": r.shipping_address1,
                "city": r.shipping_city,
                "zip": r.shipping_zip,
                "countryCodeV2": r.shipping_country,
            }
        )

    def f_customer(self, _args: dict[str, Any]) -> Obj:
        return Obj({"id": gid("Customer", self.row.customer_id)})

    def f_fulfillments(self, args: dict[str, Any]) -> list[Obj]:
        return demo_records.fulfillments(self.row, args)

    def f_transactions(self, args: dict[str, Any]) -> list[Obj]:
        return demo_records.transactions(self.row, args)

    def f_customAttributes(self, _args: dict[str, Any]) -> list[Obj]:
        return demo_records.custom_attributes(self.ctx, self.row)

    def f_refunds(self, args: dict[str, Any]) -> list[Obj]:
        return demo_records.refunds(self.row, args)

    def f_shippingLine(self, _args: dict[str, Any]) -> Obj:
        return demo_records.shipping_line(self.row)

    def f_discountCodes(self, _args: dict[str, Any]) -> list[str]:
        return demo_records.discount_codes(self.row)

    def f_returnStatus(self, _args: dict[str, Any]) -> str:
        return "RETURNED" if self.row.financial_status == "refunded" else "NO_RETURN"

    def f_lineItems(self, args: dict[str, Any]) -> Connection:
        first = page_size(args)
        after = after_id("LineItem", args.get("after")) or 0
        if self._lines is None:
            self._lines = _line_items(self.ctx, [self.row.id]).get(self.row.id, [])
        rest = [item for item in self._lines if item.id > after]
        nodes = [
            (cursor("LineItem", item.id), _line_item(item, self.row.currency)) for item in rest
        ]
        return Connection(nodes[:first], len(rest) > first)


def _line_item(item: DemoLineItem, currency: str) -> Obj:
    amount = Obj(money(item.price, currency))
    price = Obj({"shopMoney": amount, "presentmentMoney": amount})
    return Obj(
        {
            "id": gid("LineItem", item.id),
            "title": item.title,
            "name": item.title,
            "sku": item.sku,
            "quantity": item.quantity,
            "variantTitle": None,
            "vendor": None,
            "originalUnitPriceSet": price,
            "discountedUnitPriceSet": price,
        }
    )


class QueryRoot(Obj):
    """The root of every query."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    def _customers(self) -> Select:
        query = select(DemoCustomer)
        if self.ctx.shop:
            query = query.where(DemoCustomer.shop_domain == self.ctx.shop)
        return query

    def f_customer(self, args: dict[str, Any]) -> CustomerNode | None:
        self.ctx.need("read_customers", "customer")
        number = parse_gid(args.get("id"), "Customer")
        if number is None:
            raise UserError(f"Invalid global id {args.get('id')!r}")
        row = self.ctx.session.scalar(self._customers().where(DemoCustomer.id == number))
        return CustomerNode(self.ctx, row) if row else None

    def f_customers(self, args: dict[str, Any]) -> Connection:
        self.ctx.need("read_customers", "customers")
        query = self._customers().where(*search_conditions(str(args.get("query") or "")))
        rows, more = fetch_page(self.ctx, query, DemoCustomer.id, "Customer", args)
        counts: dict[int, int] | None = None
        if "read_all_orders" in self.ctx.scopes:  # else each node counts its recent orders
            ids = [r.id for r in rows]
            counts = dict(
                self.ctx.session.execute(
                    select(DemoOrder.customer_id, func.count())
                    .where(DemoOrder.customer_id.in_(ids))
                    .group_by(DemoOrder.customer_id)
                )
                .tuples()
                .all()
            )
        nodes = [
            (
                cursor("Customer", r.id),
                CustomerNode(self.ctx, r, None if counts is None else counts.get(r.id, 0)),
            )
            for r in rows
        ]
        return Connection(nodes, more)

    def f_order(self, args: dict[str, Any]) -> OrderNode | None:
        self.ctx.need("read_orders", "order")
        number = parse_gid(args.get("id"), "Order")
        query = select(DemoOrder).join(DemoCustomer).where(DemoOrder.id == number)
        if self.ctx.shop:
            query = query.where(DemoCustomer.shop_domain == self.ctx.shop)
        row = self.ctx.session.scalar(query)
        return OrderNode(self.ctx, row, None) if row else None

    def f_orders(self, args: dict[str, Any]) -> Connection:
        """The shop's orders; `query: "customer_id:N"` (what bulk exports ask) narrows them."""
        self.ctx.need("read_orders", "orders")
        query = select(DemoOrder).join(DemoCustomer)
        if self.ctx.shop:
            query = query.where(DemoCustomer.shop_domain == self.ctx.shop)
        term, _, value = str(args.get("query") or "").partition(":")
        if term.strip() == "customer_id":
            query = query.where(DemoOrder.customer_id == parse_gid(value.strip(), "Customer"))
        if "read_all_orders" not in self.ctx.scopes:
            query = query.where(DemoOrder.created_at >= self.ctx.now - timedelta(RECENT_ORDER_DAYS))
        rows, more = fetch_page(self.ctx, query, DemoOrder.id, "Order", args)
        lines = _line_items(self.ctx, [r.id for r in rows])
        nodes = [(cursor("Order", r.id), OrderNode(self.ctx, r, lines.get(r.id, []))) for r in rows]
        return Connection(nodes, more)

    def f_draftOrders(self, args: dict[str, Any]) -> Connection:
        term, _, value = str(args.get("query") or "").partition(":")
        by_customer = term.strip() == "customer_id"
        number = (parse_gid(value.strip(), "Customer") or -1) if by_customer else None
        return demo_records.draft_orders(self.ctx, args, number)

    def f_giftCards(self, args: dict[str, Any]) -> Connection:
        term, _, value = str(args.get("query") or "").partition(":")
        number = (
            (parse_gid(value.strip(), "Customer") or -1) if term.strip() == "customer_id" else None
        )
        return demo_records.gift_cards(self.ctx, args, number)

    def f_abandonedCheckouts(self, args: dict[str, Any]) -> Connection:
        return demo_records.abandoned_checkouts(self.ctx, args)

    def f_storeCreditAccount(self, args: dict[str, Any]) -> Obj | None:
        number = parse_gid(args.get("id"), "StoreCreditAccount")
        return demo_records.store_credit_account(self.ctx, number)

    def f_bulkOperation(self, args: dict[str, Any]) -> Obj | None:
        return demo_bulk.operation_node(self.ctx, parse_gid(args.get("id"), "BulkOperation"))

    def f_currentBulkOperation(self, _args: dict[str, Any]) -> Obj | None:
        return demo_bulk.operation_node(self.ctx, None)

    def f_currentAppInstallation(self, _args: dict[str, Any]) -> Obj:
        scopes = [
            Obj({"handle": s, "description": s.replace("_", " ").capitalize()})
            for s in sorted(self.ctx.scopes)
        ]
        return Obj({"id": gid("AppInstallation", 1), "accessScopes": scopes})

    def f_shop(self, _args: dict[str, Any]) -> Obj:
        return shop(self.ctx.shop)


class MutationRoot(Obj):
    """The root of every mutation (one the demo store does not serve is a clear error)."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        erasing.apply_due(ctx)  # queued erasures that are due happen before any change

    def f_customerRequestDataErasure(self, args: dict[str, Any]) -> Obj:
        return erasing.request_erasure(self.ctx, args)

    def f_customerCancelDataErasure(self, args: dict[str, Any]) -> Obj:
        return erasing.cancel_erasure(self.ctx, args)

    def f_customerUpdate(self, args: dict[str, Any]) -> Obj:
        return mutate.customer_update(self.ctx, args, CustomerNode)

    def f_customerAddressUpdate(self, args: dict[str, Any]) -> Obj:
        return mutate.customer_address_update(
            self.ctx, args, lambda ctx, row: CustomerNode(ctx, row).f_defaultAddress({})
        )

    def f_dataSaleOptOut(self, args: dict[str, Any]) -> Obj:
        return mutate.data_sale_opt_out(self.ctx, args)

    def f_customerEmailMarketingConsentUpdate(self, args: dict[str, Any]) -> Obj:
        return mutate.email_consent_update(self.ctx, args, CustomerNode)

    def f_customerSmsMarketingConsentUpdate(self, args: dict[str, Any]) -> Obj:
        return mutate.sms_consent_update(self.ctx, args, CustomerNode)

    def f_bulkOperationRunQuery(self, args: dict[str, Any]) -> Obj:
        return demo_bulk.run_query(self.ctx, str(args.get("query") or ""))


def shop(domain: str | None) -> Obj:
    """A demo shop's facts (`lib.core.demo.world.STORES`; another domain gets plain ones)."""
    domain = domain or STORES[0].domain
    known = {spec.domain: (n, spec) for n, spec in enumerate(STORES, 1)}
    index, spec = known.get(domain, (len(STORES) + 1, None))
    name = spec.name if spec else domain.split(".")[0]
    country = spec.country if spec else "US"
    place = address({"id": gid("ShopAddress", index), "countryCodeV2": country})
    place.values.update({"coordinatesValidated": False, "formatted": [place.values["country"]]})
    return Obj(
        {
            "id": gid("Shop", index),
            "name": name,
            "myshopifyDomain": domain,
            "contactEmail": spec.contact_email if spec else f"owner@{domain}",
            "email": spec.contact_email if spec else f"owner@{domain}",
            "ianaTimezone": spec.timezone if spec else "UTC",
            "currencyCode": "EUR" if country == "DE" else "USD",
            "billingAddress": place,
            "shopAddress": place,
        }
    )
