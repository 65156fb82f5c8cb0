"""The one table of human labels for every code staff may read (statuses, types, channels,
regimes, rejection reasons, event kinds, job and mail states, report outcomes), and the display
helpers built on it: widget options, table cells, chart legends and CSV headers.

Module-level functions (not lambdas) because the session state must pickle, and AppTest keeps
each widget's `format_func` there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, tzinfo

import pandas as pd

from lib.core.deadlines import REGIME_LABELS, Regime

LABELS: dict[str, dict[str, str]] = {
    "status": {
        "received": "Received",
        "pending_verification": "Pending verification",
        "verified": "Verified",
        "in_progress": "In progress",
        "ready_for_review": "Ready for review",
        "delivered": "Delivered",
        "completed": "Completed",
        "rejected": "Rejected",
        "canceled": "Canceled",
        "expired": "Expired unverified",
    },
    "type": {
        "access": "Access (copy of data)",
        "erasure": "Erasure",
        "correction": "Correction",
        "opt_out": "Opt-out of sale or sharing",
        "shop_erasure": "Shop erasure",
        "appeal": "Appeal of a refusal",
    },
    "channel": {
        "logged_in": "Storefront, logged in",
        "guest": "Storefront, guest",
        "webhook": "Shopify webhook",
        "staff": "Recorded by staff",
    },
    "regime": {str(r.value): label for r, label in REGIME_LABELS.items()},
    "rejection": {
        "identity_not_verified": "Identity not verified",
        "manifestly_unfounded": "Manifestly unfounded",
        "excessive": "Excessive",
        "no_data_found": "No data found",
        "duplicate": "Duplicate",
        "other": "Other",
    },
    "event": {
        "transition": "Status change",
        "note": "Note",
        "extended": "Deadline extended",
        "paused": "Clock stopped",
        "resumed": "Clock restarted",
        "duplicate_submit": "Asked again",
        "export": "Export",
        "download": "Download",
        "mail": "Mail",
        "setting": "Setting changed",
        "role": "Role changed",
        "store": "Store installed or removed",
        "owner": "Owner changed",
        "erased": "Personal data erased",
        "shopify_erasure": "Erasure in Shopify",
    },
    "job": {"queued": "Queued", "running": "Running", "done": "Done", "failed": "Failed"},
    "mail": {"pending": "Pending", "sent": "Sent", "captured": "Captured", "failed": "Failed"},
    "deadline": {
        "on_track": "On track",
        "due_soon": "Due soon",
        "overdue": "Overdue",
        "met": "Met",
        "missed": "Missed",
    },
    "medium": {"phone": "Phone", "letter": "Letter", "email": "Email"},
    "column": {
        "regime": "Regime",
        "type": "Type",
        "channel": "Channel",
        "status": "Status",
        "received": "Received",
        "complied_in_whole_or_part": "Complied with in whole or in part",
        "denied": "Denied",
        "median_days_to_respond": "Median days to respond",
        "mean_days_to_respond": "Mean days to respond",
        "all": "All",
    },
}
"""Vocabulary → code → label. A code missing here reads as its words, capitalised."""

_ANY = {code: text for table in LABELS.values() for code, text in table.items()}


def label(vocabulary: str, code: object) -> str:
    """The label of `code` in `vocabulary` (e.g. `label("status", "ready_for_review")`); an
    empty value is a dash, never "None"."""
    if code is None or (not isinstance(code, str) and pd.isna(code)):
        return "–"
    text = str(code)
    return LABELS.get(vocabulary, {}).get(text) or text.replace("_", " ").capitalize()


def labelled(frame: pd.DataFrame, **vocabularies: str) -> pd.DataFrame:
    """`frame` with each named column's codes as labels (`labelled(f, status="status")`)."""
    return frame.assign(
        **{
            column: frame[column].map(lambda c, v=v: label(v, c))
            for column, v in vocabularies.items()
        }
    )


def plural(count: int, one: str, many: str | None = None) -> str:
    """`1 request`, `2 requests`, `1,024 requests`."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def percent(share: float | None) -> str:
    """A share as a rounded percentage with a space (`30 %`); None → a dash."""
    return "–" if share is None else f"{round(share * 100):d} %"


def when(at: datetime | None, zone: tzinfo) -> str:
    """An instant as people write it, in `zone`: `4 Dec 18:52` this year, `4 Dec 2025 18:52`
    before; a dash for none."""
    if at is None or pd.isna(at):
        return "–"
    local = at.astimezone(zone)
    year = "" if local.year == datetime.now(zone).year else f" {local.year}"
    return f"{local.day} {local:%b}{year} {local:%H:%M}"


def day(value: date | None) -> str:
    """A date as people write it: `4 Dec 2026`; a dash for none."""
    return "–" if value is None or pd.isna(value) else f"{value.day} {value:%b %Y}"


def details(values: Mapping[str, object] | None) -> str:
    """An audit event's details as people read them: `Paused days 3; due 2 Jan 2027`, never a
    Python dict; codes labelled, ISO dates and instants written out."""
    if not values:
        return ""
    return "; ".join(f"{_key(k)} {_value(v)}" for k, v in values.items())


def _key(key: str) -> str:
    return LABELS["column"].get(key) or key.replace("_", " ").capitalize()


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return "(" + details(value) + ")"
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value) or "none"
    if value is None:
        return "–"
    text = str(value)
    try:
        if len(text) == 10:
            return day(date.fromisoformat(text))
        if len(text) >= 19 and text[4] == "-" and "T" in text:
            at = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return f"{at.day} {at:%b %Y %H:%M} UTC" if at.tzinfo else text
    except ValueError:
        pass
    return _ANY.get(text, text)


def words(value: str | None) -> str:
    """Any code's label from the table (`pending_verification` → `Pending verification`);
    None → `All`."""
    if value is None:
        return "All"
    return _ANY.get(str(value)) or str(value).replace("_", " ").capitalize()


def regime(value: str | None) -> str:
    """A regime's legal name; None → `All regimes`."""
    if value is None:
        return "All regimes"
    try:
        return REGIME_LABELS[Regime(value)]
    except ValueError:
        return label("column", value)


def request_type(value: str | None) -> str:
    """A request type's label; None → `All types`."""
    return "All types" if value is None else label("type", value)


def store(names: Mapping[int, str], value: int | None) -> str:
    """A store's name (bind `names` with functools.partial); 0 or None → `All stores`."""
    return "All stores" if not value else names.get(value, str(value))


def named(names: Mapping[int, str], value: int) -> str:
    """An id's name for people (bind `names` with functools.partial): packages by reference
    and date, never their row number."""
    return names.get(value, "–")


def customer(people: list[str], index: int) -> str:
    """The `index`-th search result's label, escaped (bind `people` with functools.partial)."""
    return plain(people[index])


_MARKDOWN = str.maketrans({c: f"\\{c}" for c in "\\`*_{}[]()!|<>~$:"} | {"\n": " ", "\r": " "})


def plain(text: object) -> str:
    """Text from customers or mails, escaped so that Streamlit shows it as typed: no links,
    images, emphasis, math, icons or autolinked URLs can come from a name, and it stays on one
    line (markdown elements and widget labels)."""
    return "" if text is None else str(text).translate(_MARKDOWN)
