"""The Requests table: filtered, sorted and paginated in SQL, one page of rows at a time.

A filter on open statuses only adds `closed_at IS NULL`, so "open requests by due date" walks the
partial index `ix_requests_open_due` and stops after one page. Searching an email or a reference
uses their indexes (prefix); other text searches scan names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, or_, select

from lib.core.db import Database
from lib.core.enums import OPEN_STATUSES
from lib.core.models import Request, utcnow
from lib.dashboard.masking import mask_email, mask_name
from lib.dashboard.sqlfn import unindexed

PAGE_SIZES: tuple[int, ...] = (25, 50, 100)
COUNT_CAP = 10_000
DUE_WINDOWS: dict[str, str] = {
    "any": "Any",
    "overdue": "Overdue",
    "7": "Due within 7 days",
    "30": "Due within 30 days",
}
SORTS: dict[str, str] = {
    "days_left": "Days left (most urgent first)",
    "newest": "Newest first",
    "oldest": "Oldest first",
}
_OPEN = frozenset(s.value for s in OPEN_STATUSES)
_COLUMNS = (
    Request.id,
    Request.reference,
    Request.received_at,
    Request.type,
    Request.channel,
    Request.regime,
    Request.status,
    Request.email,
    Request.name,
    Request.due_on,
    Request.owner_email,
    Request.closed_at,
)
UNASSIGNED = "-"
"""`RequestQuery.owner` for requests nobody looks after."""


@dataclass(frozen=True, slots=True)
class RequestQuery:
    """What the Requests page asks for; every field is a primitive (cache-friendly)."""

    statuses: tuple[str, ...] = tuple(sorted(_OPEN))
    types: tuple[str, ...] = ()
    regimes: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    due: str = "any"
    search: str = ""
    store_id: int | None = None
    owner: str = ""  # "" anyone's, UNASSIGNED nobody's, else a staff email (My requests)
    sort: str = "days_left"
    page: int = 0
    page_size: int = 25
    today: date = field(default_factory=lambda: utcnow().date())


def _search(term: str) -> Any:
    term = term.strip()
    if "@" in term:
        low = term.lower()
        return (Request.email >= low) & (Request.email < low + "\uffff")
    if term.upper().startswith("DSR-"):
        up = term.upper()
        return (Request.reference >= up) & (Request.reference < up + "\uffff")
    literal = _like_literal(term.lower())
    return or_(
        func.lower(Request.name).like(f"%{literal}%", escape="\\"),
        Request.email.like(f"{literal}%", escape="\\"),
    )


def _like_literal(text: str) -> str:
    """`text` with LIKE's wildcards escaped, so `100%` or `a_b` match only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filtered(query: Select[Any], q: RequestQuery) -> Select[Any]:
    chosen = set(q.statuses)
    if chosen and chosen <= _OPEN:
        query = query.where(Request.closed_at.is_(None))  # the partial index
        if chosen != _OPEN:
            query = query.where(Request.status.in_(q.statuses))
    elif chosen:  # walk the index of the sort order, not the status index (closed = most rows)
        query = query.where(unindexed(Request.status).in_(q.statuses))
    for column, values in (
        (Request.type, q.types),
        (Request.regime, q.regimes),
        (Request.channel, q.channels),
    ):
        if values:
            query = query.where(column.in_(values))
    if q.store_id is not None:
        query = query.where(Request.store_id == q.store_id)
    if q.owner == UNASSIGNED:
        query = query.where(Request.owner_email.is_(None))
    elif q.owner:
        query = query.where(Request.owner_email == q.owner.strip().lower())
    if q.due == "overdue":
        query = query.where(Request.closed_at.is_(None), Request.due_on < q.today)
    elif q.due in ("7", "30"):
        horizon = q.today + timedelta(days=int(q.due))
        query = query.where(
            Request.closed_at.is_(None), Request.due_on >= q.today, Request.due_on <= horizon
        )
    if q.search.strip():
        query = query.where(_search(q.search))
    return query


def count_requests(db: Database, q: RequestQuery, cap: int = COUNT_CAP) -> int:
    """How many requests match the filters, counted up to `cap` (the page shows "10,000+").

    Counting stops at the cap, so a broad filter costs no more than a narrow one.
    """
    matches = _filtered(select(Request.id), q).limit(cap).subquery()
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(matches)) or 0)


def _order(q: RequestQuery) -> tuple[Any, ...]:
    return {
        "days_left": (Request.due_on, Request.id),
        "newest": (Request.received_at.desc(), Request.id.desc()),
        "oldest": (Request.received_at, Request.id),
    }[q.sort]


def page_query(q: RequestQuery) -> Select[Any]:
    """The SELECT of one page: filters, the sort's index order, LIMIT/OFFSET."""
    return (
        _filtered(select(*_COLUMNS), q)
        .order_by(*_order(q))
        .limit(q.page_size)
        .offset(q.page * q.page_size)
    )


def filtered_ids(db: Database, q: RequestQuery, limit: int) -> list[int]:
    """The ids of every request matching the filters (not just one page), in the table's order,
    at most `limit` (bulk actions on *all filtered*)."""
    query = _filtered(select(Request.id), q).order_by(*_order(q)).limit(limit)
    with db.read() as session:
        return list(session.scalars(query))


def request_page(db: Database, q: RequestQuery, *, masked: bool) -> pd.DataFrame:
    """One page of matching requests with days left and deadline state; identities masked
    unless the viewer may see them."""
    query = page_query(q)
    with db.read() as session:
        rows = session.execute(query).all()
    # Columns are finished as plain lists and the frame is built once: for a page of rows,
    # pandas' per-call overhead (map, drop) cost more than the query. Masking before pandas
    # also sees a missing name as None, not NaN.
    keys = [c.key for c in _COLUMNS]
    columns = dict(zip(keys, map(list, zip(*rows, strict=True)), strict=True)) if rows else {}
    columns = {key: columns.get(key, []) for key in keys}
    closed = columns.pop("closed_at")
    columns["days_left"] = [
        None if done is not None else (due - q.today).days
        for due, done in zip(columns["due_on"], closed, strict=True)
    ]
    columns["owner_email"] = [owner or "" for owner in columns["owner_email"]]  # not "None"
    if masked:
        columns["email"] = [mask_email(e) for e in columns["email"]]
        columns["name"] = [mask_name(n) for n in columns["name"]]
    return pd.DataFrame(columns)
