"""What the request generator needs to know, read from the database once: the plan.

Everything the generator draws follows from the plan, so the same plan always gives the same
rows, whether the generator runs in-process or in a forked child.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text

from lib.core.audit import HEAD_ID
from lib.core.db import Database
from lib.core.demo.shops import StoreRef
from lib.core.models import DemoCustomer, Request


@dataclass(frozen=True, slots=True)
class StorePlan:
    """One store as the generator sees it."""

    id: int
    timezone: str
    default_regime: str
    staff: tuple[str, ...]
    countries: tuple[tuple[str, str | None, float], ...]
    customers: tuple[tuple[str, str, str, str | None, str], ...]
    """(customer id, email, name, province, country) of the store's demo customers."""
    latest_orders: tuple[str, ...]
    """JSON list of each customer's three latest order ids (for webhook requests)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """A run: how many requests from which id, the clock, where the chain continues, stores."""

    seed: int
    count: int
    first_id: int
    now_us: int
    seq: int
    prev_hash: str
    chunk_size: int
    suffix: str
    stores: tuple[StorePlan, ...]
    guest_off: tuple[tuple[int, int], ...]
    """Spans (µs) in which guest support was switched off."""


@dataclass(slots=True)
class Part:
    """A slice of a chunk as the generator hands it to the writer: request rows (instants still
    in µs) and their events, hashed, in chain order. The writer commits a chunk (and moves
    `audit_head`) after the part that `closes_chunk`."""

    requests: list[list[Any]]
    events: list[tuple[Any, ...]]
    """(request id, at µs, actor, kind, from status, to status, reason, details, hash)."""
    closes_chunk: bool


def build_plan(
    db: Database,
    stores: list[StoreRef],
    count: int,
    seed: int,
    now_us: int,
    chunk_size: int,
    guest_off: list[tuple[int, int]],
) -> Plan:
    """Read the chain's tip, the next request id and each store's customers into a plan."""
    plans = []
    with db.read() as session:
        head = session.execute(
            text("SELECT seq, hash FROM audit_head WHERE id = :id"), {"id": HEAD_ID}
        ).one()
        last_id = session.scalar(select(func.max(Request.id))) or 0
        latest: dict[int, list[int]] = {}
        rows = session.execute(
            text(
                "SELECT customer_id, id FROM demo_orders "
                "ORDER BY customer_id, created_at DESC, id DESC"
            )
        )
        for customer_id, order_id in rows:
            ids = latest.setdefault(customer_id, [])
            if len(ids) < 3:
                ids.append(order_id)
        for ref in stores:
            customers = session.execute(
                select(
                    DemoCustomer.id,
                    DemoCustomer.email,
                    DemoCustomer.first_name,
                    DemoCustomer.last_name,
                    DemoCustomer.province,
                    DemoCustomer.country,
                )
                .where(DemoCustomer.shop_domain == ref.spec.domain)
                .order_by(DemoCustomer.id)
            ).all()
            plans.append(
                StorePlan(
                    id=ref.id,
                    timezone=ref.spec.timezone,
                    default_regime=ref.spec.default_regime,
                    staff=ref.spec.staff,
                    countries=ref.spec.countries,
                    customers=tuple(
                        (
                            str(c.id),
                            c.email.lower(),
                            f"{c.first_name} {c.last_name}",
                            c.province,
                            c.country,
                        )
                        for c in customers
                    ),
                    latest_orders=tuple(json.dumps(latest.get(c.id, [])) for c in customers),
                )
            )
    return Plan(
        seed=seed,
        count=count,
        first_id=last_id + 1,
        now_us=now_us,
        seq=head.seq,
        prev_hash=head.hash,
        chunk_size=chunk_size,
        suffix="" if db.is_sqlite else "+00",
        stores=tuple(plans),
        guest_off=tuple(guest_off),
    )
