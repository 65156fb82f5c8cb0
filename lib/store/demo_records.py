"""The demo store's other blocks of a customer: metafields, draft orders, store credit accounts,
gift cards, abandoned checkouts, subscription contracts and their orders' custom attributes.

Rows of `demo_records` (one kind per block) served as Shopify's types: `Customer.metafields`,
`Customer.storeCreditAccounts` (scope `read_store_credit_accounts`),
`Customer.subscriptionContracts` (scope `read_own_subscription_contracts`), the root
`draftOrders(query: "customer_id:N")` (scope `read_draft_orders`), `giftCards(query:
"customer_id:N")` (scope `read_gift_cards`), `abandonedCheckouts` (scope `read_orders`, every
checkout of the shop) and `Order.customAttributes`, paged like every connection.
`add_demo_records` gives a demo customer some of each (tests, benchmarks). Each order's
deliveries and payments (`Order.fulfillments`, `Order.transactions`) are derived from its
fulfilment and financial status.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select

from lib.core.db import Database
from lib.core.models import DemoCustomer, DemoOrder, DemoRecord, utcnow
from lib.store.demo_types import (
    Connection,
    Context,
    Obj,
    after_id,
    cursor,
    fetch_page,
    gid,
    iso,
    money,
    page_size,
)

TYPES = {
    "metafield": "Metafield",
    "draft_order": "DraftOrder",
    "store_credit": "StoreCreditAccount",
    "gift_card": "GiftCard",
    "abandoned_checkout": "AbandonedCheckout",
    "subscription": "SubscriptionContract",
    "order_attribute": "Attribute",
}


def add_demo_records(
    db: Database,
    customer_id: int,
    *,
    metafields: Sequence[dict[str, str]] = (),
    draft_orders: Sequence[dict[str, str]] = (),
    store_credit: Sequence[dict[str, str]] = (),
    gift_cards: Sequence[dict[str, Any]] = (),
    abandoned_checkouts: Sequence[dict[str, Any]] = (),
    subscriptions: Sequence[dict[str, str]] = (),
    order_attributes: Sequence[dict[str, Any]] = (),
) -> None:
    """Give a demo customer these blocks (payloads as `DemoRecord` documents them)."""
    rows = [
        *(("metafield", p) for p in metafields),
        *(("draft_order", p) for p in draft_orders),
        *(("store_credit", p) for p in store_credit),
        *(("gift_card", p) for p in gift_cards),
        *(("abandoned_checkout", p) for p in abandoned_checkouts),
        *(("subscription", p) for p in subscriptions),
        *(("order_attribute", p) for p in order_attributes),
    ]
    if not rows:
        return
    now = utcnow()
    with db.write() as session:
        first = (session.scalar(select(func.max(DemoRecord.id))) or 0) + 1
        values = [
            {"id": first + i, "customer_id": customer_id, "kind": kind, "payload": dict(p),
             "created_at": now}
            for i, (kind, p) in enumerate(rows)
        ]  # fmt: skip
        session.execute(insert(DemoRecord), values)


def metafields(ctx: Context, customer_id: int, args: dict[str, Any]) -> Connection:
    """`Customer.metafields`."""
    query = select(DemoRecord).where(
        DemoRecord.kind == "metafield", DemoRecord.customer_id == customer_id
    )
    rows, more = fetch_page(ctx, query, DemoRecord.id, "Metafield", args)
    nodes = [
        (
            cursor("Metafield", r.id),
            Obj(
                {
                    "id": gid("Metafield", r.id),
                    "namespace": r.payload.get("namespace"),
                    "key": r.payload.get("key"),
                    "type": r.payload.get("type", "single_line_text_field"),
                    "value": r.payload.get("value"),
                    "createdAt": iso(r.created_at),
                    "updatedAt": iso(r.created_at),
                }
            ),
        )
        for r in rows
    ]
    return Connection(nodes, more)


def store_credit_accounts(ctx: Context, customer_id: int, args: dict[str, Any]) -> Connection:
    """`Customer.storeCreditAccounts`."""
    ctx.need("read_store_credit_accounts", "storeCreditAccounts")
    query = select(DemoRecord).where(
        DemoRecord.kind == "store_credit", DemoRecord.customer_id == customer_id
    )
    rows, more = fetch_page(ctx, query, DemoRecord.id, "StoreCreditAccount", args)
    nodes = [
        (
            cursor("StoreCreditAccount", r.id),
            Obj(
                {
                    "id": gid("StoreCreditAccount", r.id),
                    "balance": Obj(money(r.payload["balance"], r.payload["currency"])),
                }
            ),
        )
        for r in rows
    ]
    return Connection(nodes, more)


CREDIT_KINDS = {
    "credit": "StoreCreditAccountCreditTransaction",
    "debit": "StoreCreditAccountDebitTransaction",
    "debit_revert": "StoreCreditAccountDebitRevertTransaction",
    "expiration": "StoreCreditAccountExpirationTransaction",
}


class StoreCreditAccountNode(Obj):
    """A `store_credit` row as `StoreCreditAccount`, with its `transactions` (the payload's
    `history`: [kind, amount, balance after] rows, kinds as `CREDIT_KINDS`)."""

    def __init__(self, ctx: Context, row: DemoRecord) -> None:
        currency = row.payload["currency"]
        balance = Obj(money(row.payload["balance"], currency))
        super().__init__({"id": gid("StoreCreditAccount", row.id), "balance": balance})
        self.ctx, self.row, self.currency = ctx, row, currency

    def f_transactions(self, args: dict[str, Any]) -> Connection:
        self.ctx.need("read_store_credit_account_transactions", "transactions")
        history = list(enumerate(self.row.payload.get("history") or [], start=1))
        after = after_id("StoreCreditAccountTransaction", args.get("after")) or 0
        page = [(n, h) for n, h in history if n > after][: page_size(args)]
        nodes = [
            (
                cursor("StoreCreditAccountTransaction", n),
                Obj(
                    {
                        "__typename": CREDIT_KINDS[kind],
                        "createdAt": iso(self.row.created_at),
                        "amount": Obj(money(amount, self.currency)),
                        "balanceAfterTransaction": Obj(money(balance, self.currency)),
                    }
                ),
            )
            for n, (kind, amount, balance) in page
        ]
        return Connection(nodes, bool(page) and page[-1][0] < len(history))


def store_credit_account(ctx: Context, number: int | None) -> StoreCreditAccountNode | None:
    """The root `storeCreditAccount(id:)`."""
    ctx.need("read_store_credit_accounts", "storeCreditAccount")
    query = _records(ctx, "store_credit", None).where(DemoRecord.id == number)
    row = ctx.session.scalars(query).first()
    return StoreCreditAccountNode(ctx, row) if row is not None else None


def draft_orders(ctx: Context, args: dict[str, Any], customer_id: int | None) -> Connection:
    """The root `draftOrders` (`query: "customer_id:N"` narrows them to one customer)."""
    ctx.need("read_draft_orders", "draftOrders")
    query = select(DemoRecord).join(DemoCustomer).where(DemoRecord.kind == "draft_order")
    if ctx.shop:
        query = query.where(DemoCustomer.shop_domain == ctx.shop)
    if customer_id is not None:
        query = query.where(DemoRecord.customer_id == customer_id)
    rows, more = fetch_page(ctx, query, DemoRecord.id, "DraftOrder", args)
    nodes = []
    for r in rows:
        total = Obj(money(r.payload["total"], r.payload["currency"]))
        nodes.append(
            (
                cursor("DraftOrder", r.id),
                Obj(
                    {
                        "id": gid("DraftOrder", r.id),
                        "name": r.payload["name"],
                        "status": r.payload.get("status", "OPEN"),
                        "createdAt": iso(r.created_at),
                        "updatedAt": iso(r.created_at),
                        "currencyCode": r.payload["currency"],
                        "totalPriceSet": Obj({"shopMoney": total, "presentmentMoney": total}),
                        "note2": r.payload.get("note"),
                        "tags": [],
                    }
                ),
            )
        )
    return Connection(nodes, more)


def _records(ctx: Context, kind: str, customer_id: int | None) -> Any:
    """The query of one kind's rows: a customer's, else every customer's of the shop."""
    query = select(DemoRecord).join(DemoCustomer).where(DemoRecord.kind == kind)
    if ctx.shop:
        query = query.where(DemoCustomer.shop_domain == ctx.shop)
    if customer_id is not None:
        query = query.where(DemoRecord.customer_id == customer_id)
    return query


def gift_cards(ctx: Context, args: dict[str, Any], customer_id: int | None) -> Connection:
    """The root `giftCards` (`query: "customer_id:N"` narrows them to one customer)."""
    ctx.need("read_gift_cards", "giftCards")
    query = _records(ctx, "gift_card", customer_id)
    rows, more = fetch_page(ctx, query, DemoRecord.id, "GiftCard", args)
    nodes = []
    for r in rows:
        p = r.payload
        nodes.append(
            (
                cursor("GiftCard", r.id),
                Obj(
                    {
                        "id": gid("GiftCard", r.id),
                        "lastCharacters": p["code"][-4:],
                        "createdAt": iso(r.created_at),
                        "updatedAt": iso(r.created_at),
                        "expiresOn": p.get("expires_on"),
                        "enabled": p.get("enabled", True),
                        "customer": Obj({"id": gid("Customer", r.customer_id)}),
                        "initialValue": Obj(money(p["initial"], p["currency"])),
                        "balance": Obj(money(p["balance"], p["currency"])),
                    }
                ),
            )
        )
    return Connection(nodes, more)


def abandoned_checkouts(ctx: Context, args: dict[str, Any]) -> Connection:
    """The root `abandonedCheckouts`: every checkout of the shop (Shopify has no customer
    filter), each naming its customer."""
    ctx.need("read_orders", "abandonedCheckouts")
    query = _records(ctx, "abandoned_checkout", None)
    rows, more = fetch_page(ctx, query, DemoRecord.id, "AbandonedCheckout", args)
    nodes = []
    for r in rows:
        p = r.payload
        total = Obj(money(p["total"], p["currency"]))
        lines = [
            (cursor("AbandonedCheckoutLineItem", i), Obj({"title": t, "quantity": q}))
            for i, (q, t) in enumerate(p.get("items") or [], start=1)
        ]
        nodes.append(
            (
                cursor("AbandonedCheckout", r.id),
                Obj(
                    {
                        "id": gid("AbandonedCheckout", r.id),
                        "name": f"#{r.id}",
                        "createdAt": iso(r.created_at),
                        "updatedAt": iso(r.created_at),
                        "completedAt": None,
                        "discountCodes": list(p.get("discount_codes") or []),
                        "customer": Obj({"id": gid("Customer", r.customer_id)}),
                        "totalPriceSet": Obj({"shopMoney": total, "presentmentMoney": total}),
                        "lineItems": Connection(lines, False),
                    }
                ),
            )
        )
    return Connection(nodes, more)


def subscription_contracts(ctx: Context, customer_id: int, args: dict[str, Any]) -> Connection:
    """`Customer.subscriptionContracts` (only the app's own contracts, as on Shopify)."""
    ctx.need("read_own_subscription_contracts", "subscriptionContracts")
    query = _records(ctx, "subscription", customer_id)
    rows, more = fetch_page(ctx, query, DemoRecord.id, "SubscriptionContract", args)
    nodes = [
        (
            cursor("SubscriptionContract", r.id),
            Obj(
                {
                    "id": gid("SubscriptionContract", r.id),
                    "status": r.payload.get("status", "ACTIVE"),
                    "createdAt": iso(r.created_at),
                    "nextBillingDate": r.payload.get("next_billing"),
                    "currencyCode": r.payload["currency"],
                }
            ),
        )
        for r in rows
    ]
    return Connection(nodes, more)


def custom_attributes(ctx: Context, order: DemoOrder) -> list[Obj]:
    """`Order.customAttributes`: the `order_attribute` rows naming this order."""
    query = _records(ctx, "order_attribute", order.customer_id).order_by(DemoRecord.id)
    return [
        Obj({"key": r.payload["key"], "value": r.payload.get("value")})
        for r in ctx.session.scalars(query)
        if r.payload.get("order") == order.id
    ]


def fulfillments(order: DemoOrder, args: dict[str, Any]) -> list[Obj]:
    """`Order.fulfillments`: one delivery with tracking for a fulfilled or partly fulfilled
    order."""
    first = args.get("first")
    if order.fulfillment_status not in ("fulfilled", "partial") or first == 0:
        return []
    number = f"JD{order.id % 10**12:012d}"
    tracking = Obj(
        {
            "company": "DHL Express",
            "number": number,
            "url": f"https://www.dhl.com/track?tracking-id={number}",
        }
    )
    return [
        Obj(
            {
                "name": f"{order.name}-F1",
                "status": "SUCCESS",
                "createdAt": iso(order.created_at),
                "trackingInfo": [tracking],
            }
        )
    ]


def _refunded(order: DemoOrder) -> Obj | None:
    """The amount given back on a (partly) refunded order: all of it, or half."""
    if order.financial_status not in ("refunded", "partially_refunded"):
        return None
    share = Decimal(1) if order.financial_status == "refunded" else Decimal("0.5")
    return Obj(money(Decimal(str(order.total_price)) * share, order.currency))


def refunds(order: DemoOrder, args: dict[str, Any]) -> list[Obj]:
    """`Order.refunds`: one refund of a (partly) refunded order."""
    back = _refunded(order)
    if back is None or args.get("first") == 0:
        return []
    total = Obj({"shopMoney": back, "presentmentMoney": back})
    return [Obj({"createdAt": iso(order.created_at), "note": None, "totalRefundedSet": total})]


def shipping_line(order: DemoOrder) -> Obj:
    """`Order.shippingLine`: standard shipping at 4.95 in the order's currency."""
    price = Obj(money(Decimal("4.95"), order.currency))
    return Obj(
        {
            "title": "Standard shipping",
            "code": "STANDARD",
            "originalPriceSet": Obj({"shopMoney": price, "presentmentMoney": price}),
        }
    )


def discount_codes(order: DemoOrder) -> list[str]:
    """`Order.discountCodes`: every fifth order used the code WELCOME10."""
    return ["WELCOME10"] if order.id % 5 == 0 else []


def transactions(order: DemoOrder, args: dict[str, Any]) -> list[Obj]:
    """`Order.transactions`: the sale, and the refund of a (partly) refunded order; a pending
    order has none yet."""
    if order.financial_status == "pending":
        return []
    total = Obj(money(order.total_price, order.currency))
    sale = {
        "kind": "SALE",
        "status": "SUCCESS",
        "formattedGateway": "Shopify Payments",
        "gateway": "shopify_payments",
        "processedAt": iso(order.created_at),
        "createdAt": iso(order.created_at),
        "amountSet": Obj({"shopMoney": total, "presentmentMoney": total}),
    }
    found = [Obj(sale)]
    back = _refunded(order)
    if back is not None:
        refund = {
            **sale,
            "kind": "REFUND",
            "amountSet": Obj({"shopMoney": back, "presentmentMoney": back}),
        }
        found.append(Obj(refund))
    first = args.get("first")
    return found if first is None else found[: max(0, int(first))]
