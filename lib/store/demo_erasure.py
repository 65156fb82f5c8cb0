"""The demo store's customer erasure, with Shopify's semantics, so the whole path runs locally.

`customerRequestDataErasure` queues the customer (a `demo_records` row of kind `data_erasure`
holding the date it is due): 10 days on, or 6 months after the last order when the customer
ordered within 6 months (`lib.store.erasure.expected_date`). `customerCancelDataErasure`
removes a queued one (`NOT_BEING_ERASED` when there is none). Every mutation first carries out
the erasures that are due: the customer's name, email, phone, address, note and tags and the
orders' shipping addresses are blanked, their other records deleted — the rows really change,
as Shopify's do. A refused input is a `userErrors` answer; a missing scope `ACCESS_DENIED`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update

from lib.core.models import DemoCustomer, DemoOrder, DemoRecord, utcnow
from lib.store.demo_types import Context, Obj, gid, parse_gid
from lib.store.erasure import SCOPE, expected_date

KIND = "data_erasure"


def _error(message: str, code: str) -> Obj:
    return Obj(
        {
            "customerId": None,
            "userErrors": [Obj({"field": ["customerId"], "message": message, "code": code})],
        }
    )


def _customer(ctx: Context, value: Any) -> DemoCustomer | None:
    number = parse_gid(value, "Customer")
    if number is None:
        return None
    query = select(DemoCustomer).where(DemoCustomer.id == number)
    if ctx.shop:
        query = query.where(DemoCustomer.shop_domain == ctx.shop)
    return ctx.session.scalar(query)


def _queued(ctx: Context, customer_id: int) -> DemoRecord | None:
    return ctx.session.scalar(
        select(DemoRecord).where(DemoRecord.customer_id == customer_id, DemoRecord.kind == KIND)
    )


def request_erasure(ctx: Context, args: dict[str, Any]) -> Obj:
    """Queue the customer's erasure (asking twice keeps the first date)."""
    ctx.need(SCOPE, "customerRequestDataErasure")
    customer = _customer(ctx, args.get("customerId"))
    if customer is None or not customer.email:
        return _error("Customer does not exist", "DOES_NOT_EXIST")
    if _queued(ctx, customer.id) is None:
        now = utcnow()
        last = ctx.session.scalar(
            select(func.max(DemoOrder.created_at)).where(DemoOrder.customer_id == customer.id)
        )
        due = expected_date(now.date(), last.date() if last else None)
        next_id = (ctx.session.scalar(select(func.max(DemoRecord.id))) or 0) + 1
        ctx.session.add(
            DemoRecord(
                id=next_id,
                customer_id=customer.id,
                kind=KIND,
                created_at=now,
                payload={"erase_on": due.isoformat()},
            )
        )
    return Obj({"customerId": gid("Customer", customer.id), "userErrors": []})


def cancel_erasure(ctx: Context, args: dict[str, Any]) -> Obj:
    """Cancel a queued erasure; one not queued (or already carried out) is refused."""
    ctx.need(SCOPE, "customerCancelDataErasure")
    customer = _customer(ctx, args.get("customerId"))
    if customer is None or not customer.email:
        return _error("Customer does not exist", "DOES_NOT_EXIST")
    queued = _queued(ctx, customer.id)
    if queued is None:
        return _error("Customer is not being erased", "NOT_BEING_ERASED")
    ctx.session.delete(queued)
    return Obj({"customerId": gid("Customer", customer.id), "userErrors": []})


def apply_due(ctx: Context, now: datetime | None = None) -> int:
    """Carry out the erasures due by `now`: the demo rows are anonymised; returns how many."""
    today = (now or utcnow()).date().isoformat()
    due = [
        (record.id, record.customer_id)
        for record in ctx.session.scalars(select(DemoRecord).where(DemoRecord.kind == KIND))
        if str(record.payload.get("erase_on", "9999")) <= today
    ]
    for record_id, customer_id in due:
        ctx.session.execute(
            update(DemoCustomer)
            .where(DemoCustomer.id == customer_id)
            .values(
                first_name="",
                last_name="",
                email="",
                phone=None,
                city="",
                address1="",
                zip="",
                province=None,
                tags="",
                note=None,
                accepts_marketing=False,
            )
        )
        ctx.session.execute(
            update(DemoOrder)
            .where(DemoOrder.customer_id == customer_id)
            .values(shipping_city="", shipping_address1="", shipping_zip="")
        )
        ctx.session.execute(
            delete(DemoRecord).where(
                DemoRecord.customer_id == customer_id, DemoRecord.id != record_id
            )
        )
        ctx.session.execute(delete(DemoRecord).where(DemoRecord.id == record_id))
    return len(due)
