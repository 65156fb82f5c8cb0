"""`redact_customer` and `purge_shop`: Privacy Desk erasing its own copies in the seeded database
(issue 13: one customer among 1,000,000 requests within 1 s; a shop of 1,000,000 within 120 s).

`redact_customer` erases a different seeded person each repetition with
`lib.core.redaction.redact_person`, committed (the person is chosen before the clock starts).
`purge_shop` runs `redact_shop` over the larger demo shop and rolls it back, so the seeded
database stays whole for the other cases and repetitions: the figure is every statement of the
purge, without the final commit. Both report the requests they touched; the limit is the target.
"""

from __future__ import annotations

import time

from lib.bench.cases import Case, Sample, Target

REDACT_TARGET_SECONDS = 1.0
PURGE_TARGET_SECONDS = 120.0
_picked: set[str] = set()


def redact_customer(target: Target) -> Sample:
    """One person's erasure across every table, committed."""
    from sqlalchemy import func, select

    from lib.core.db import Database
    from lib.core.models import Request, Store
    from lib.core.redaction import redact_person

    db = Database(target.database_url)
    with db.read() as session:
        query = select(Request.store_id, Request.email).where(Request.email != "")
        offset = (len(_picked) * 7919) % max(1, target.n)
        store_id, email = session.execute(query.order_by(Request.id).offset(offset).limit(1)).one()
        _picked.add(email)
        requests = session.scalar(
            select(func.count()).select_from(Request).where(Request.email == email)
        )
    started = time.perf_counter()
    with db.write() as session:
        store = session.get_one(Store, store_id)
        done = redact_person(session, store, email=email, customer_id=None)
    seconds = time.perf_counter() - started
    return Sample(
        seconds,
        {
            "baseline_seconds": REDACT_TARGET_SECONDS,
            "requests": done.requests,
            "person_requests": requests,
        },
    )


def purge_shop(target: Target) -> Sample:
    """The whole larger shop's erasure, every statement run, then rolled back."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from lib.core.db import Database
    from lib.core.models import Request, Store
    from lib.core.redaction import redact_shop

    db = Database(target.database_url)
    with db.read() as session:
        store_id = session.execute(
            select(Request.store_id, func.count())
            .group_by(Request.store_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()[0]
    started = time.perf_counter()
    with db.write_connection() as connection:
        transaction = connection.begin()
        session = Session(bind=connection)
        store = session.get_one(Store, store_id)
        done = redact_shop(session, store)
        session.flush()
        seconds = time.perf_counter() - started
        session.close()
        transaction.rollback()
    return Sample(seconds, {"baseline_seconds": PURGE_TARGET_SECONDS, "requests": done.requests})


CASES = (
    Case(
        "redact_customer",
        "one seeded person's identity erased from every table (redact_person, committed)",
        redact_customer,
        None,
        "issue 13's target (1 s for one customer among 1,000,000 requests)",
    ),
    Case(
        "purge_shop",
        "the larger demo shop erased from every table (redact_shop, rolled back)",
        purge_shop,
        None,
        "issue 13's target (120 s for a shop of 1,000,000 requests)",
        repeats=1,
        warmup=False,
    ),
)
