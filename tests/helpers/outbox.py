"""Customer mails queued in the outbox as the intake queues them."""

from __future__ import annotations

from datetime import date

from lib.core.db import Database
from lib.mail.outbox import queue_mail


def queue_mails(db: Database, count: int) -> list[str]:
    """`count` customer mails in the outbox (dedupe keys crash:0…), as the intake queues them."""
    keys = [f"crash:{n}" for n in range(count)]
    store = {"name": "Demo Shop", "contact_email": "owner@demo-shop.test"}
    with db.write() as session:
        for n, key in enumerate(keys):
            request = {"name": f"C{n}", "type_label": "a copy of your data",
                       "reference": f"DSR-2026-{n:06d}", "due_on": "2026-03-02",
                       "due_date": date(2026, 3, 2)}  # fmt: skip
            queue_mail(
                session,
                template="received",
                to=f"customer{n}@example.com",
                context={
                    "store": store,
                    "request": request,
                    "verified": False,
                    "opening": "Demo Shop has received your request.",
                },
                dedupe_key=key,
            )
    return keys
