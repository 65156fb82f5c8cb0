"""The register writes, for any stored text, exactly what the rules write cell by cell.

The register packs each row in SQL, masks, escapes and quotes a batch at a time in Arrow, and
reads rows that do not pack (a value holding the separator, NUL on SQLite) again as plain
columns. The oracle is the plain path: the register's plain SELECT, `mask_email` / `mask_name`,
`safe_cell` on every cell and `csv.writer`. Both databases, arbitrary text in every text column.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from lib.core.csvsafe import FORMULA_PREFIXES, QUOTED_WHEN, safe_cell
from lib.core.db import Database
from lib.core.models import Request, Store
from lib.dashboard.masking import WHITESPACE, mask_email, mask_name
from lib.dashboard.queries import Scope
from lib.dashboard.reports import COLUMNS, check_columns, register_query, request_csv
from lib.dashboard.sqlfn import SEPARATOR

MASKS = {"email": mask_email, "name": mask_name}
AWKWARD = [*FORMULA_PREFIXES, *QUOTED_WHEN, *WHITESPACE[:12], SEPARATOR, "'", "é", "😀", "a", "Z"]
WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def oracle(db: Database, columns: list[str], unmask: bool, scope: Scope = Scope()) -> bytes:  # noqa: B008
    chosen = check_columns(columns)
    with db.engine.connect() as conn:
        rows = conn.execute(register_query(scope, chosen)).all()
    masks = [None if unmask else MASKS.get(c) for c in chosen]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(chosen)
    for row in rows:
        writer.writerow([safe_cell(m(v) if m else v) for m, v in zip(masks, row, strict=True)])
    return buffer.getvalue().encode()


def texts(db: Database, size: int) -> st.SearchStrategy[str]:
    """Awkward text; NUL only where the database can store it (SQLite, not PostgreSQL)."""
    keep = (lambda c: True) if db.is_sqlite else (lambda c: c != "\x00")
    alphabet = st.sampled_from([c for c in AWKWARD if keep(c)])
    # Lone surrogates are not text a database (or UTF-8) can hold.
    anything = st.characters(
        exclude_categories=("Cs",), exclude_characters="" if db.is_sqlite else "\x00"
    )
    return st.text(alphabet=alphabet, max_size=size) | st.text(anything, max_size=size)


def requests(db: Database) -> st.SearchStrategy[dict[str, object]]:
    maybe = lambda s: s | st.none()  # noqa: E731
    return st.fixed_dictionaries(
        {
            "reference": maybe(texts(db, 10)),
            "type": texts(db, 8),
            "channel": texts(db, 8),
            "status": texts(db, 8),
            "regime": texts(db, 8),
            "country": maybe(texts(db, 2)),
            "email": texts(db, 12),
            "name": maybe(texts(db, 12)),
            "rejection_code": maybe(texts(db, 8)),
            "responded_at": st.sampled_from(
                [None, WHEN, datetime(2026, 4, 30, 23, 59, tzinfo=UTC)]
            ),
            "extended_due_on": st.sampled_from([None, date(2026, 5, 2)]),
        }
    )


def insert(db: Database, shop: str, rows: list[dict[str, object]]) -> int:
    """Add a store with `rows` as its requests; returns the store's id."""
    with db.write() as session:
        store = Store(shop_domain=shop, name="Shop", timezone="UTC")
        session.add(store)
        session.flush()
        for n, row in enumerate(rows):
            unique = None if row.get("reference") is None else f"{row['reference']}{n}"
            session.add(
                Request(
                    store_id=store.id,
                    received_at=WHEN,
                    verified_at=row.get("responded_at"),
                    due_on=date(2026, 4, 2),
                    legal_due_on=date(2026, 4, 2),
                    target_on=date(2026, 3, 17),
                    **{**row, "reference": unique},
                )
            )
        return store.id


def clear(db: Database) -> None:
    with db.write() as session:
        session.execute(delete(Request))
        session.execute(delete(Store))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_register_is_the_cell_by_cell_csv(db: Database, data: st.DataObject) -> None:
    rows = data.draw(st.lists(requests(db), max_size=8), label="rows")
    columns = data.draw(st.lists(st.sampled_from(list(COLUMNS)), min_size=1, unique=True))
    unmask = data.draw(st.booleans(), label="unmask")
    batch_rows = data.draw(st.integers(1, 4), label="batch_rows")
    insert(db, data.draw(texts(db, 12), label="shop"), rows)
    try:
        written = b"".join(request_csv(db, Scope(), columns, unmask=unmask, batch_rows=batch_rows))
        assert written == oracle(db, columns, unmask)
    finally:
        clear(db)


def test_rows_that_do_not_pack_are_written_in_place(db: Database) -> None:
    """A separator in a value (and NUL, which only SQLite can store) between ordinary rows."""
    odd = ["x\x1fy", "=a\x1f", "Jo\x00 Doe" if db.is_sqlite else "Jo,\x1f Doe"]
    rows = [
        {
            "type": "access",
            "channel": "web",
            "status": "received",
            "regime": "gdpr",
            "email": f"p{i}@example.com",
            "name": name,
        }
        for i, name in enumerate(["Ann Lee", odd[0], "Bo Ek", odd[1], odd[2], "Cy Di"])
    ]
    insert(db, "other.example", rows[:2])
    store_id = insert(db, "shop.example", rows)
    for scope in (Scope(), Scope(store_id=store_id)):
        for unmask in (False, True):
            for batch_rows in (1, 2, 5000):
                chunks = request_csv(db, scope, unmask=unmask, batch_rows=batch_rows)
                assert b"".join(chunks) == oracle(db, list(COLUMNS), unmask, scope)


def test_a_page_out_of_request_order_is_not_written_as_packed() -> None:
    """SQLite concatenates a page in the order its subquery yields rows; the order is checked."""
    from lib.dashboard.reports import _Register

    register = _Register(Scope(), ("reference",), unmask=False, rows=2)
    assert register._lines(b"1\x1fa\x1f2\x1fb", 2) is not None
    assert register._lines(b"2\x1fb\x1f1\x1fa", 2) is None
    assert register._lines(b"1\x1fa\x1fx\x1f2\x1fb", 2) is None  # a value holding the separator


def test_every_page_is_a_range_of_request_ids_on_sqlite(sqlite_db: Database) -> None:
    """Each batch is one query from the last id written; were SQLite to walk the store's index
    instead, it would sort the whole store again for every batch (quadratic in its requests)."""
    from lib.dashboard.reports import _Register

    for scope in (Scope(), Scope(store_id=1), Scope(start=date(2026, 1, 1), end=date(2026, 2, 1))):
        page = _Register(scope, tuple(COLUMNS), unmask=False, rows=5000).page
        compiled = page.compile(dialect=sqlite_db.engine.dialect)
        params = tuple(0 if k == "after" else compiled.params[k] for k in compiled.positiontup)
        with sqlite_db.engine.connect() as conn:
            plan = [r[3] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)]
        assert "SEARCH requests USING INTEGER PRIMARY KEY (rowid>?)" in plan, (scope, plan)
        assert not any("TEMP B-TREE" in step for step in plan), (scope, plan)
