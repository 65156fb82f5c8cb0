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
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, case, select

from lib.core.csvsafe import FORMULA_PREFIXES
from lib.core.csvsafe import safe_cell as cell
from lib.core.db import Database
from lib.core.models import Request, Store
from lib.dashboard.masking import mask_email, mask_name
from lib.dashboard.queries import Scope, received_counts, response_histogram, scoped
from lib.dashboard.queries import weighted_median as _median
from lib.dashboard.sqlfn import day_of, days_between, iso_day, iso_instant

BATCH_ROWS = 5_000


ON_TIME = case(
    (Request.responded_at.is_(None), None),
    (day_of(Request.responded_at) <= Request.due_on, "true"),
    else_="false",
)
COLUMNS: dict[str, ColumnElement[Any]] = {
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
IDENTITY_MASKS: dict[str, Mask] = {"email": mask_email, "name": mask_name}


def _csv_text(rows: Iterable[Iterable[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode()


_FORMULA_AFTER_BREAK = re.compile("\n(?:" + "|".join(map(re.escape, FORMULA_PREFIXES)) + ")")
_TEXT = frozenset({str, type(None)})
_NUMBERS = frozenset({int, type(None)})


def _safe_column(values: Sequence[object]) -> Sequence[object]:
    """A column's cells as `safe_cell` would write them, decided for the whole column at once.

    csv.writer writes None as "" and an int as its digits, exactly as `safe_cell` does, so a
    column of text (or of numbers) in which no cell starts like a formula is passed through
    unchanged; one regular-expression scan over the column's joined text finds any cell that
    does (a line break inside a cell can only cause a needless fallback). Otherwise, and for
    any other type, every cell goes through `safe_cell`. Per cell this was most of a report's
    Python time.
    """
    kinds = set(map(type, values))
    if kinds <= _TEXT:
        text = "\n" + "\n".join(filter(None, values))  # type: ignore[arg-type]
        if _FORMULA_AFTER_BREAK.search(text) is None:
            return values
    elif kinds <= _NUMBERS:
        return values
    return [cell(v) for v in values]


def _batch_csv(batch: Sequence[Sequence[object]], masks: list[Mask | None]) -> bytes:
    """CSV text of one batch of rows, column by column (masks first, then escaping)."""
    if not batch:
        return b""
    columns = [
        _safe_column(values if mask is None else [mask(v) for v in values])
        for mask, values in zip(masks, zip(*batch, strict=True), strict=True)
    ]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(zip(*columns, strict=True))
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
) -> Iterator[tuple[int, bytes]]:
    """(rows, CSV text) per batch, read through a streaming cursor."""
    masks = [None if unmask else IDENTITY_MASKS.get(c) for c in chosen]
    query = scoped(
        select(*(COLUMNS[c].label(c) for c in chosen))
        .join(Store, Store.id == Request.store_id)
        .order_by(Request.id),
        scope,
    )
    with db.engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(query)
        for batch in result.partitions(batch_rows):
            yield len(batch), _batch_csv(batch, masks)


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


def metrics_csv(frame: pd.DataFrame) -> bytes:
    """The metrics table as CSV text (same escaping as every report)."""
    values = frame.astype(object).where(frame.notna(), None).itertuples(index=False)
    return _csv_text([list(METRIC_COLUMNS), *values])
