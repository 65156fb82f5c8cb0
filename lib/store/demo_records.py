"""The demo store's other blocks of a customer: metafields, draft orders, store credit accounts.

Rows of `demo_records` (one kind per block) served as Shopify's types: `Customer.metafields`,
`Customer.storeCreditAccounts` (scope `read_store_credit_accounts`) and the root
`draftOrders(query: "customer_id:N")` (scope `read_draft_orders`), paged like every connection.
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
from lib.store.demo_types import Connection, Context, Obj, cursor, fetch_page, gid, iso, money

TYPES = {
    "metafield": "Metafield",
    "draft_order": "DraftOrder",
    "store_credit": "StoreCreditAccount",
}


def add_demo_records(
    db: Database,
    customer_id: int,
    *,
    metafields: Sequence[dict[str, str]] = (),
    draft_orders: Sequence[dict[str, str]] = (),
    store_credit: Sequence[dict[str, str]] = (),
) -> None:
    """Give a demo customer these blocks (payloads as `DemoRecord` documents them)."""
    rows = [
        *(("metafield", p) for p in metafields),
        *(("draft_order", p) for p in draft_orders),
        *(("store_credit", p) for p in store_credit),
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
    if order.financial_status in ("refunded", "partially_refunded"):
        share = Decimal(1) if order.financial_status == "refunded" else Decimal("0.5")
        back = Obj(money(Decimal(str(order.total_price)) * share, order.currency))
        refund = {
            **sale,
            "kind": "REFUND",
            "amountSet": Obj({"shopMoney": back, "presentmentMoney": back}),
        }
        found.append(Obj(refund))
    first = args.get("first")
    return found if first is None else found[: max(0, int(first))]
