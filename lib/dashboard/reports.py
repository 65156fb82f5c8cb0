"""CSV reports: the request register (streamed) and the regulatory metrics (CCPA-style).

Pure functions returning iterators of bytes or frames, no Streamlit: the dashboard and
`python -m lib report` write the same text. Every cell is written as `lib.core.csvsafe.safe_cell`
would write it; identities are masked unless the caller asks otherwise (the dashboard lets only
roles with the unmask right ask).

The register is read in batches of requests (keyset pages, one snapshot), so memory stays flat
however many rows the range holds. The database packs each batch into one value (`sqlfn.packed`,
`sqlfn.packed_rows`), and the batch is masked, escaped and quoted column-wise by the Arrow twins
of the rules (`masking.mask_emails`/`mask_names`, `csvsafe.csv_lines`): no Python object or
call per row or cell. A row the packing cannot carry (a value holding the separator, or NUL on
SQLite) is read again as plain columns and written cell by cell by the rules themselves.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import ColumnElement, Connection, Integer, Select, bindparam, case, func, select
from sqlalchemy.orm import InstrumentedAttribute

from lib.core.csvsafe import csv_lines, text_of
from lib.core.csvsafe import safe_cell as cell
from lib.core.db import Database
from lib.core.models import Request, Store
from lib.dashboard.masking import mask_email, mask_emails, mask_name, mask_names
from lib.dashboard.queries import Scope, received_counts, response_histogram, scoped
from lib.dashboard.queries import weighted_median as _median
from lib.dashboard.sqlfn import (
    SEPARATOR,
    day_of,
    days_between,
    iso_day,
    iso_instant,
    packed,
    packed_rows,
    unindexed,
)

BATCH_ROWS = 5_000


def use_system_allocator() -> None:
    """Make Arrow allocate with the system allocator in this process; called at process start by
    every process that writes reports (the dashboard server, `python -m lib report`, the bench).

    Arrow's default allocator (mimalloc) keeps about 30 MB of a report's freed batch buffers in
    every process that writes one; the system allocator returns them, at the same speed. It is a
    process-wide switch, so it belongs to the process's start, not to an import.
    """
    pa.set_memory_pool(pa.system_memory_pool())


ON_TIME = case(
    (Request.responded_at.is_(None), None),
    (day_of(Request.responded_at) <= Request.due_on, "true"),
    else_="false",
)
COLUMNS: dict[str, ColumnElement[Any] | InstrumentedAttribute[Any]] = {
    "reference": Request.reference,
    "store": Store.shop_domain,
    "received_at": iso_instant(Request.received_at),
    "type": Request.type,
    "channel": Request.channel,
    "regime": Request.regime,
    "country": Request.country,
    "status": Request.status,
    "email": Request.email,
    "name": Request.name,
    "due_on": iso_day(Request.due_on),
    "extended_due_on": iso_day(Request.extended_due_on),
    "verified_at": iso_instant(Request.verified_at),
    "responded_at": iso_instant(Request.responded_at),
    "days_to_respond": days_between(Request.responded_at, Request.received_at),
    "on_time": ON_TIME,
    "rejection_code": Request.rejection_code,
}
"""Report columns in order: SQL expressions that already yield the text to write (ISO 8601 UTC
instants, ISO dates), so no row is turned into Python datetimes on the way to the file."""
DEFAULT_COLUMNS: tuple[str, ...] = tuple(COLUMNS)
Mask = Callable[[Any], str]
ColumnMask = Callable[[pa.Array], pa.Array]
IDENTITY_MASKS: dict[str, tuple[Mask, ColumnMask]] = {
    "email": (mask_email, mask_emails),
    "name": (mask_name, mask_names),
}
"""Masked columns: the rule for one value, and its twin for a column."""


def _csv_text(rows: Iterable[Iterable[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode()


def check_columns(columns: Iterable[str]) -> tuple[str, ...]:
    """The columns in report order, or ValueError naming an unknown one."""
    chosen = tuple(columns)
    unknown = [c for c in chosen if c not in COLUMNS]
    if unknown or not chosen:
        raise ValueError(f"unknown report columns {unknown}; choose from {', '.join(COLUMNS)}")
    return tuple(c for c in COLUMNS if c in chosen)


def register_query(scope: Scope, columns: Iterable[str] = DEFAULT_COLUMNS) -> Select[Any]:
    """The register's plain SELECT: the chosen columns as the database computes them, neither
    masked nor escaped, oldest request first (what a database's own CSV export would write)."""
    return _register(scope, *(COLUMNS[c].label(c) for c in check_columns(columns)))


def _register(
    scope: Scope, *values: ColumnElement[Any] | InstrumentedAttribute[Any]
) -> Select[Any]:
    query = select(*values).select_from(Request).join(Store, Store.id == Request.store_id)
    return scoped(query.order_by(Request.id), scope)


class _Register:
    """One register being written: its columns, masks, and the queries that read it."""

    def __init__(self, scope: Scope, chosen: tuple[str, ...], unmask: bool, rows: int) -> None:
        self.scope = scope
        self.chosen = chosen
        self.masks = {
            i: IDENTITY_MASKS[c] for i, c in enumerate(chosen) if not unmask and c in IDENTITY_MASKS
        }
        self.numbers = [isinstance(COLUMNS[c].type, Integer) for c in chosen]
        row = packed(Request.id, *(COLUMNS[c] for c in chosen))
        self.rows = _register(scope, row)
        page = _register(replace(scope, store_id=None), row.label("row"), Request.id.label("id"))
        if scope.store_id is not None:
            # Without this SQLite walks the store's index and sorts it again for every page.
            page = page.where(unindexed(Request.store_id) == scope.store_id)
        rows_after = (
            page.where(Request.id > bindparam("after", type_=Integer())).limit(rows).subquery()
        )
        self.page = select(
            func.count(), func.max(rows_after.c.id), packed_rows(rows_after.c.row, rows_after.c.id)
        )

    def batches(self, conn: Connection) -> Iterator[tuple[int, bytes]]:
        """(rows, CSV text) per page of requests after the last one written (ids are positive)."""
        after = 0
        while True:
            rows, last, joined = conn.execute(self.page, {"after": after}).one()
            if not rows:
                return
            lines = self._lines(joined, rows)
            if lines is None:
                again = self.rows.where(Request.id > after, Request.id <= last)
                yield rows, self._mixed_csv(conn, conn.execute(again).scalars().all())
            else:
                yield rows, text_of(lines)
            after = last

    def _mixed_csv(self, conn: Connection, batch: Sequence[Any]) -> bytes:
        """A page in which some rows did not pack, read again row by row: the others as usual,
        these as plain columns."""
        separator: Any = SEPARATOR if isinstance(batch[0], str) else SEPARATOR.encode()
        unpacked = {
            i: int(row.partition(separator)[0])
            for i, row in enumerate(batch)
            if row.count(separator) != len(self.chosen)
        }
        kept = [row for i, row in enumerate(batch) if i not in unpacked]
        lines = self._lines(separator.join(kept), len(kept)) if kept else None
        ordered = iter(lines.to_pylist() if lines is not None else ())
        again = self._plain_lines(conn, list(unpacked.values()))
        return "".join(
            again[unpacked[i]] if i in unpacked else next(ordered) for i in range(len(batch))
        ).encode()

    def _lines(self, joined: str | bytes, rows: int) -> pa.Array | None:
        """CSV lines of `rows` packed rows joined by the separator, all in Arrow kernels; None
        when a row holds more separators than columns (the values are then not in place) or
        the rows are not in request order."""
        text = joined.encode() if isinstance(joined, str) else joined
        bounds = pa.py_buffer(np.array([0, len(text)], dtype=np.int32))
        whole = pa.Array.from_buffers(pa.string(), 1, [None, bounds, pa.py_buffer(text)])
        values = pc.split_pattern(whole, SEPARATOR).values
        width = len(self.chosen) + 1
        if len(values) != rows * width:
            return None
        at = np.arange(rows * width, dtype=np.int64).reshape(rows, width)
        ids = pc.cast(values.take(at[:, 0]), pa.int64()).to_numpy()
        if (np.diff(ids) <= 0).any():
            return None
        at = at[:, 1:]
        parts = [values]
        for column, (_, mask_column) in self.masks.items():
            parts.append(mask_column(values.take(at[:, column])))
            at[:, column] = len(values) + (len(parts) - 2) * rows + np.arange(rows)
        cells = pa.concat_arrays(parts).take(at.ravel())
        return csv_lines(cells, len(self.chosen), self.numbers)

    def _plain_lines(self, conn: Connection, ids: list[int]) -> dict[int, str]:
        """The CSV line of each of the requests `ids`, read again as plain columns and written
        cell by cell by the rules themselves."""
        masks = [self.masks[i][0] if i in self.masks else None for i in range(len(self.chosen))]
        query = _register(self.scope, Request.id, *(COLUMNS[c] for c in self.chosen))
        lines = {}
        for request_id, *values in conn.execute(query.where(Request.id.in_(ids))):
            row = [m(v) if m else v for m, v in zip(masks, values, strict=True)]
            lines[request_id] = _csv_text([row]).decode()
        return lines


def _batches(
    db: Database, scope: Scope, chosen: tuple[str, ...], unmask: bool, batch_rows: int
) -> Iterator[tuple[int, bytes]]:
    """(rows, CSV text) per batch of `batch_rows` requests, each batch one query that returns
    its rows packed into one value. The report is one snapshot: one transaction on SQLite,
    REPEATABLE READ on PostgreSQL (so a row read again is the row that was packed)."""
    register = _Register(scope, chosen, unmask, batch_rows)
    with db.engine.connect() as conn:
        if not db.is_sqlite:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        yield from register.batches(conn)


def request_csv(
    db: Database,
    scope: Scope,
    columns: Iterable[str] = DEFAULT_COLUMNS,
    *,
    unmask: bool = False,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[bytes]:
    """The request register as CSV chunks (header first), oldest request first."""
    chosen = check_columns(columns)
    yield _csv_text([list(chosen)])
    for _rows, text in _batches(db, scope, chosen, unmask, batch_rows):
        yield text


def write_request_csv(
    db: Database,
    out: Path,
    scope: Scope,
    *,
    unmask: bool = False,
    columns: Iterable[str] = DEFAULT_COLUMNS,
) -> int:
    """Write the register to `out` as it is read; returns the number of data rows."""
    chosen = check_columns(columns)
    rows = 0
    with out.open("wb") as handle:
        handle.write(_csv_text([list(chosen)]))
        for count, text in _batches(db, scope, chosen, unmask, BATCH_ROWS):
            handle.write(text)
            rows += count
    return rows


METRIC_COLUMNS = (
    "regime",
    "type",
    "received",
    "complied_in_whole_or_part",
    "denied",
    "median_days_to_respond",
    "mean_days_to_respond",
)


def _summary(received: int, hist: pd.DataFrame) -> dict[str, Any]:
    answered = int(hist["requests"].sum())
    complied = hist.loc[hist["denied"] == 0]
    median = _median(hist["days"], hist["requests"])
    mean = float((hist["days"] * hist["requests"]).sum() / answered) if answered else None
    return {
        "received": received,
        "complied_in_whole_or_part": int(complied["requests"].sum()),
        "denied": int(hist.loc[hist["denied"] == 1, "requests"].sum()),
        "median_days_to_respond": median,
        "mean_days_to_respond": None if mean is None else round(mean, 1),
    }


def metrics(db: Database, scope: Scope) -> pd.DataFrame:
    """Per regime and type: received, complied in whole or in part, denied, median and mean
    days to respond (requests received in the scope's range), plus an `all` total row."""
    received = received_counts(db, scope)
    hist = response_histogram(db, scope)
    rows = []
    keys = sorted(set(zip(received["regime"], received["type"], strict=True)))
    for regime, rtype in keys:
        got = received.loc[(received["regime"] == regime) & (received["type"] == rtype)]
        part = hist.loc[(hist["regime"] == regime) & (hist["type"] == rtype)]
        rows.append({"regime": regime, "type": rtype, **_summary(int(got["received"].sum()), part)})
    if rows:
        rows.append(
            {"regime": "all", "type": "all", **_summary(int(received["received"].sum()), hist)}
        )
    return pd.DataFrame(rows, columns=list(METRIC_COLUMNS))


def metrics_csv(frame: pd.DataFrame, header: Sequence[str] = METRIC_COLUMNS) -> bytes:
    """The metrics table as CSV text (same escaping as every report); `header` names the
    columns for people (the dashboard's download) instead of the codes (`python -m lib report`)."""
    values = frame.astype(object).where(frame.notna(), None).itertuples(index=False)
    return _csv_text([list(header), *values])
