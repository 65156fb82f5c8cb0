"""Guest submissions do the same work whatever the email (issue 14, finding 7).

The answer was already byte-identical; the time was not (median 6.0 vs 8.1 ms over 200 + 200
probes: an open request was visible). Here the work itself is compared, branch by branch: the SQL
statements one submission runs (counted with SQLAlchemy's `before_cursor_execute`), the mails and
jobs it queues. Times depend on the machine and are measured in docs/SECURITY.md instead.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from lib.core.config import Config
from lib.core.db import Database
from lib.core.enums import EventKind, Status
from lib.core.lifecycle import transition
from lib.core.models import Job, OutboxMail, Request, RequestEvent, Store
from lib.intake.submit import submit_guest
from tests.intake.conftest import ADA, SHOP, add_customer

CONFIG = Config(token_secret="uniformity-test-secret")
_WORDS = re.compile(r"\s+")
_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """The SQL text of every statement run on `db` meanwhile (whitespace folded)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement: str, *_: object) -> None:
        seen.append(_WORDS.sub(" ", statement).strip())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def tables(seen: list[str]) -> list[str]:
    """The table each statement works on, in order (BEGIN and locks as themselves)."""
    return [m.group(1) if (m := _TABLE.search(text)) else text.split()[0] for text in seen]


def queued(db: Database) -> Counter[str]:
    """Mails (by recipient) and jobs (by kind) waiting."""
    with db.read() as session:
        mails = Counter(f"mail to {m}" for m in session.scalars(select(OutboxMail.to_addr)))
        jobs = Counter(f"job {k}" for k in session.scalars(select(Job.kind)))
    return mails + jobs


def _verified(db: Database, email: str) -> None:
    with db.write() as session:
        request = session.scalars(select(Request).where(Request.email == email)).one()
        transition(session, request, Status.VERIFIED, actor="test")


def one_submission(db: Database, email: str, address: str) -> tuple[list[str], Counter[str]]:
    before = queued(db)
    with statements(db) as seen:
        submit_guest(db, CONFIG, shop=SHOP, email=email, address=address)
    return seen, queued(db) - before


@pytest.fixture
def branches(db: Database, store: Store) -> dict[str, tuple[list[str], Counter[str]]]:
    """One guest submission in each branch, after a first one has warmed the code path."""
    add_customer(db, *ADA)
    one_submission(db, "warm-up@example.com", "198.51.100.1")
    one_submission(db, "pending@example.com", "198.51.100.2")
    one_submission(db, "verified@example.com", "198.51.100.3")
    _verified(db, "verified@example.com")
    return {
        "nobody@example.com": one_submission(db, "nobody@example.com", "203.0.113.1"),
        ADA[3]: one_submission(db, ADA[3], "203.0.113.2"),
        "pending@example.com": one_submission(db, "pending@example.com", "203.0.113.3"),
        "verified@example.com": one_submission(db, "verified@example.com", "203.0.113.4"),
    }


def test_every_branch_runs_the_same_statements_on_the_same_tables(branches) -> None:
    """Unknown email, known customer, open request awaiting verification, open verified request:
    as many statements, on the same tables in the same order (before the fix a repeat ran 11 or
    10 statements against a new request's 13: it wrote no request row and, once verified, no
    mail)."""
    shapes = {email: tables(seen) for email, (seen, _work) in branches.items()}
    first = shapes["nobody@example.com"]
    assert "requests" in first and "outbox" in first and "request_events" in first
    for email, shape in shapes.items():
        assert shape == first, email


def test_every_branch_queues_one_mail_to_the_address_and_no_job(branches) -> None:
    for email, (_seen, work) in branches.items():
        assert work == Counter({f"mail to {email}": 1}), email


def test_a_repeat_records_itself_and_fills_in_what_the_customer_record_knows(
    db: Database,
    store: Store,
) -> None:
    one_submission(db, ADA[3], "203.0.113.5")  # no synced record yet: no name
    add_customer(db, *ADA)
    one_submission(db, ADA[3], "203.0.113.6")
    with db.read() as session:
        (request,) = session.scalars(select(Request)).all()
        kinds = list(session.scalars(select(RequestEvent.kind).order_by(RequestEvent.seq)))
    assert (request.name, request.country) == ("Ada Lovelace", "DE")
    assert kinds[-1] == EventKind.DUPLICATE_SUBMIT
