"""Hostile text in every search box and in everything the dashboard shows.

- SQL metacharacters in the Requests search, the Customers search and the Audit log filters:
  called as library functions (on SQLite and PostgreSQL) and typed into the pages (AppTest).
  Nothing errors, nothing changes, and a search matches its text literally (`%` and `_` too).
- HTML and script in names and notes stay inert: `st.html` never carries raw markup, markdown
  elements that show such text never allow HTML, tables hold it verbatim as data.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from lib.core.db import Database
from lib.core.enums import Channel, RequestType
from lib.core.lifecycle import NewRequest, add_note, open_request
from lib.core.models import Base, Request, Store
from lib.dashboard import store_actions
from lib.dashboard.audit_records import AuditFilter, audit_log
from lib.dashboard.detail import find_request
from lib.dashboard.roles import Role
from lib.dashboard.worklist import RequestQuery, count_requests, request_page
from lib.mail.outbox import queue_mail
from lib.store.demo_data import add_demo_customer
from tests.dashboard.conftest import actor, page
from tests.helpers.stores import make_store

SQL = (
    "' OR '1'='1",
    "'; DROP TABLE requests; --",
    '" OR ""="',
    "') UNION SELECT email, name FROM requests --",
    "1; SELECT pg_sleep(5) --",
    "*/ OR 1=1 /*",
    "\\",
    "%",
    "_",
    "%' OR 1=1 --",
    "DSR-' OR 1=1 --",
    "x@example.com' OR 'a'='a",
)
NAMES = ("Jane Doe", "Sean O'Brien", "100% Cotton_Fan", 'Bobby"); DROP TABLE requests; --')
SCRIPT = "<script>alert(1)</script>"
HOSTILE = (SCRIPT, '<img src=x onerror="alert(2)">', '"><svg onload=alert(3)>')
RAW_MARKUP = ("<script", "<img", "<svg")  # live tags; escaped text (&lt;img …) is inert


@dataclass(frozen=True)
class Seeded:
    db: Database
    store: Store
    rows: list[tuple[str, str, str]]  # reference, email, name


def seed(db: Database) -> Seeded:
    store = make_store(db)
    with db.write() as session:
        for n, name in enumerate(NAMES):
            new = NewRequest(store, RequestType.ACCESS, Channel.LOGGED_IN, f"p{n}@example.com")
            request = open_request(session, _named(new, name), actor="customer")
            add_note(session, request, actor="merchant@shop.example", text=f"note {SCRIPT}")
        rows = session.execute(select(Request.reference, Request.email, Request.name)).all()
    return Seeded(db, store, [tuple(r) for r in rows])


def _named(new: NewRequest, name: str) -> NewRequest:
    return NewRequest(new.store, new.type, new.channel, new.email, name=name)


def _snapshot(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }


def _expected(rows: list[tuple[str, str, str]], term: str) -> set[str]:
    """The Requests search's rule, in Python: an email prefix, a reference prefix, or part of
    the name / start of the email, always literally."""
    term = term.strip()
    if "@" in term:
        return {ref for ref, email, _ in rows if email.startswith(term.lower())}
    if term.upper().startswith("DSR-"):
        return {ref for ref, _, _ in rows if ref.startswith(term.upper())}
    low = term.lower()
    return {ref for ref, email, name in rows if low in name.lower() or email.startswith(low)}


@pytest.fixture
def seeded(db: Database) -> Seeded:
    return seed(db)


@pytest.mark.parametrize("term", [*SQL, "o'brien", "100%", "n_f"])
def test_requests_search_takes_sql_metacharacters_literally(seeded: Seeded, term: str) -> None:
    before = _snapshot(seeded.db)
    query = RequestQuery(statuses=(), search=term)
    found = set(request_page(seeded.db, query, masked=False)["reference"])
    assert found == _expected(seeded.rows, term)
    assert count_requests(seeded.db, query) == len(found)
    assert _snapshot(seeded.db) == before


def test_audit_filters_and_reference_lookup_take_sql_metacharacters_literally(
    seeded: Seeded,
) -> None:
    before = _snapshot(seeded.db)
    for term in SQL:
        assert audit_log(seeded.db, AuditFilter(actor=term)).empty
        assert audit_log(seeded.db, AuditFilter(reference=term)).empty
        assert find_request(seeded.db, term) is None
    assert len(audit_log(seeded.db, AuditFilter(actor="merchant@shop.example"))) == len(NAMES)
    assert _snapshot(seeded.db) == before


@pytest.fixture
def dashboard(app_db: Database, demo_store) -> Iterator[Seeded]:
    """`seed` in the dashboard's database, a hostile customer in the demo store, and a mail."""
    seeded = seed(app_db)
    hostile = add_demo_customer(
        app_db, email="mallory@example.com", first_name=HOSTILE[0], last_name=HOSTILE[1]
    )
    with app_db.write() as session:
        request = session.scalars(select(Request).order_by(Request.id)).first()
        request.name = " ".join(HOSTILE)
        queue_mail(
            session,
            template="received",
            to=request.email,
            context={
                "request": {"name": request.name, "type_label": "a copy of your data",
                            "reference": request.reference, "due_on": "2026-03-02",
                            "due_date": request.due_on},
                "verified": False,
                "opening": f"{request.name} asked for a copy of their data.",
            },
            dedupe_key="hostile-mail",
            request_id=request.id,
        )  # fmt: skip
    assert hostile.email
    with app_db.read() as session:
        rows = session.execute(select(Request.reference, Request.email, Request.name)).all()
    yield Seeded(app_db, seeded.store, [tuple(r) for r in rows])


def test_customer_search_sends_metacharacters_to_the_store_as_data(dashboard: Seeded) -> None:
    before = _snapshot(dashboard.db)
    for term in SQL:
        found = store_actions.search_customers(
            actor(Role.MERCHANT), term, dashboard.store.shop_domain
        )
        assert isinstance(found, list)
    assert _snapshot(dashboard.db) == before


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("term", (*SQL[:6], "%", "\\"))
def test_search_boxes_in_the_pages_take_metacharacters(dashboard: Seeded, term: str) -> None:
    before = _snapshot(dashboard.db)
    at = page("pages/requests.py", Role.MERCHANT).run()
    at.multiselect(key="pd_rq_status").set_value([]).run()
    at.text_input(key="pd_rq_search").input(term).run()
    _clean(at)
    shown = set(at.dataframe[0].value["reference"]) if at.dataframe else set()
    assert shown == _expected(dashboard.rows, term)
    at = page("pages/audit.py", Role.COMPLIANCE).run()
    at.text_input(key="pd_au_actor").input(term).run()
    at.text_input(key="pd_au_ref").input(term).run()
    _clean(at)
    at = page("pages/customers.py", Role.MERCHANT).run()
    at.text_input(key="pd_cu_query").input(term).run()
    _clean(at)
    assert _snapshot(dashboard.db) == before


def rendered(at: AppTest) -> list[tuple[str, str, bool]]:
    """(element type, body, HTML allowed) of every element the browser renders as markdown or
    HTML, and of radio options (rendered as markdown too)."""
    out = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        body = getattr(proto, "body", None)
        if isinstance(body, str):
            allowed = node.type == "html" or bool(getattr(proto, "allow_html", False))
            out.append((node.type, body, allowed))
        if getattr(node, "type", "") == "radio":
            out.extend(("radio", option, False) for option in node.options)
    return out


def _inert(at: AppTest) -> list[str]:
    """Every rendered text that carries one of the hostile payloads; asserts none is live."""
    carrying = []
    for kind, body, allowed in rendered(at):
        if any(marker in body for marker in RAW_MARKUP):
            assert not allowed, (kind, body)  # shown as text, never as markup
            carrying.append(body)
    return carrying


def test_html_and_script_in_names_and_notes_are_inert_on_every_page(dashboard: Seeded) -> None:
    first = dashboard.rows[0][0]
    detail = page("pages/request_detail.py", Role.ADMIN, ref=first).run()
    _clean(detail)
    shown = _inert(detail)  # the name is on the page, as text
    # The note too, in the timeline's sentences: markdown with every markup character escaped.
    assert any(f"note {SCRIPT}" in body.replace("\\", "") for body in shown)

    requests = page("pages/requests.py", Role.ADMIN).run()
    _clean(requests)
    assert " ".join(HOSTILE) in set(requests.dataframe[0].value["name"])
    _inert(requests)

    audit = page("pages/audit.py", Role.ADMIN).run()
    _clean(audit)
    assert any(f"note {SCRIPT}" in what for what in audit.dataframe[0].value["what"])
    _inert(audit)

    mail = page("pages/mail.py", Role.ADMIN).run()
    _clean(mail)
    [html] = mail.get("html")
    assert "&lt;script&gt;" in html.value and not any(m in html.value for m in RAW_MARKUP)

    customers = page("pages/customers.py", Role.MERCHANT).run()
    customers.text_input(key="pd_cu_query").input("mallory@example.com").run()
    _clean(customers)
    assert _inert(customers)


MARKDOWN = "![pixel](https://tracker.example/p.png) [Verify your account](https://phish.example)"


def test_markdown_in_customer_names_is_shown_as_text(dashboard: Seeded) -> None:
    """A name must not add an image (a tracking pixel fetched by the staff member's browser) or
    a link to the page: markdown from customers is escaped wherever it is rendered."""
    with dashboard.db.write() as session:
        session.scalars(select(Request).order_by(Request.id)).first().name = MARKDOWN
    add_demo_customer(
        dashboard.db, email="markdown@example.com", first_name=MARKDOWN[:60], last_name="Doe"
    )
    detail = page("pages/request_detail.py", Role.ADMIN, ref=dashboard.rows[0][0]).run()
    customers = page("pages/customers.py", Role.MERCHANT).run()
    customers.text_input(key="pd_cu_query").input("markdown@example.com").run()
    for at in (detail, customers):
        _clean(at)
        shown = [body for _kind, body, _html in rendered(at) if "tracker.example" in body]
        assert shown and all("](" not in body for body in shown), shown
