"""CSV reports: the request register (streamed) and the regulatory metrics (CCPA-style).

Pure functions returning iterators of bytes or frames, no Streamlit: the dashboard and
`python -m lib report` write the same text. Rows are read in batches through a streaming cursor,
so memory stays flat however many rows the range holds. Every cell goes through
`lib.core.csvsafe.safe_cell`; identities are masked unless the caller asks otherwise (the
dashboard lets only roles with the unmask right ask).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from lib.core.csvsafe import safe_cell
from lib.core.db import Database
from lib.core.models import Request, Store
from lib.dashboard.masking import mask_email, mask_name
from lib.dashboard.queries import Scope, received_counts, response_histogram, scoped
from lib.dashboard.queries import weighted_median as _median

BATCH_ROWS = 5_000


@dataclass(frozen=True, slots=True)
class Column:
    """One report column: its header and how a row's value is read."""

    header: str
    read: Callable[[Any], object]
    identity: bool = False


def _days(row: Any) -> int | None:
    if row.responded_at is None:
        return None
    return (row.responded_at.date() - row.received_at.date()).days


def _on_time(row: Any) -> bool | None:
    return None if row.responded_at is None else row.responded_at.date() <= row.due_on


COLUMNS: dict[str, Column] = {
    "reference": Column("reference", lambda r: r.reference),
    "store": Column("store", lambda r: r.shop_domain),
    "received_at": Column("received_at", lambda r: r.received_at),
    "type": Column("type", lambda r: r.type),
    "channel": Column("channel", lambda r: r.channel),
    "regime": Column("regime", lambda r: r.regime),
    "country": Column("country", lambda r: r.country),
    "status": Column("status", lambda r: r.status),
    "email": Column("email", lambda r: r.email, identity=True),
    "name": Column("name", lambda r: r.name, identity=True),
    "due_on": Column("due_on", lambda r: r.due_on),
    "extended_due_on": Column("extended_due_on", lambda r: r.extended_due_on),
    "verified_at": Column("verified_at", lambda r: r.verified_at),
    "responded_at": Column("responded_at", lambda r: r.responded_at),
    "days_to_respond": Column("days_to_respond", _days),
    "on_time": Column("on_time", _on_time),
    "rejection_code": Column("rejection_code", lambda r: r.rejection_code),
}
DEFAULT_COLUMNS: tuple[str, ...] = tuple(COLUMNS)
_MASKS: dict[str, Callable[[Any], str]] = {"email": mask_email, "name": mask_name}
_FIELDS = (
    Request.reference,
    Store.shop_domain,
    Request.received_at,
    Request.type,
    Request.channel,
    Request.regime,
    Request.country,
    Request.status,
    Request.email,
    Request.name,
    Request.due_on,
    Request.extended_due_on,
    Request.verified_at,
    Request.responded_at,
    Request.rejection_code,
)


def _csv_text(rows: Iterable[Iterable[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode()


def check_columns(columns: Iterable[str]) -> tuple[str, ...]:
    """The columns in report order, or ValueError naming an unknown one."""
    chosen = tuple(columns)
    unknown = [c for c in chosen if c not in COLUMNS]
    if unknown or not chosen:
        raise ValueError(f"unknown report columns {unknown}; choose from {', '.join(COLUMNS)}")
    return tuple(c for c in COLUMNS if c in chosen)


def _batches(
    db: Database, scope: Scope, chosen: tuple[str, ...], unmask: bool, batch_rows: int
) -> Iterator[list[list[object]]]:
    readers = [COLUMNS[c].read for c in chosen]
    masks = [None if unmask else _MASKS.get(c) for c in chosen]
    query = scoped(
        select(*_FIELDS).join(Store, Store.id == Request.store_id).order_by(Request.id), scope
    )
    with db.read() as session:
        result = session.execute(query.execution_options(yield_per=batch_rows))
        for batch in result.partitions():
            yield [
                [
                    mask(read(row)) if mask else read(row)
                    for read, mask in zip(readers, masks, strict=True)
                ]
                for row in batch
            ]


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
    yield _csv_text([[COLUMNS[c].header for c in chosen]])
    for batch in _batches(db, scope, chosen, unmask, batch_rows):
        yield _csv_text(batch)


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
        handle.write(_csv_text([[COLUMNS[c].header for c in chosen]]))
        for batch in _batches(db, scope, chosen, unmask, BATCH_ROWS):
            handle.write(_csv_text(batch))
            rows += len(batch)
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


def metrics_csv(frame: pd.DataFrame) -> bytes:
    """The metrics table as CSV text (same escaping as every report)."""
    values = frame.astype(object).where(frame.notna(), None).itertuples(index=False)
    return _csv_text([list(METRIC_COLUMNS), *values])
