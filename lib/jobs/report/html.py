"""`index.html`: the access package as a person reads it (GDPR Art. 12(1): concise,
intelligible, easily accessible).

One self-contained page: inline CSS, no script, no external address (its own
Content-Security-Policy forbids loading anything), prints on paper. First a summary in plain
words, then the Art. 15 information from the store's processing register, then every block as
tables with labels, dates and amounts in the person's language (Babel), then what is missing and
why, then the package's files and their field names.

Every value passes through `shown`: Jinja escapes HTML, and control and bidirectional-override
characters are written as visible `[U+202E]` marks so that no text can reorder or hide its
neighbours. Order tables are streamed from the writer's raw rows, so memory stays flat.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from lib.core import i18n
from lib.core.i18n import N_
from lib.core.register import SECTIONS, Register
from lib.jobs.report.fields import FILES, Field, Kind
from lib.jobs.report.labels import label
from lib.jobs.report.records import PersonRecords

TEMPLATE_DIR = Path(__file__).with_name("templates")
_HIDDEN_CHARS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)

SECTION_TITLES = {
    "purposes": N_("Why the shop uses your data"),
    "categories": N_("Which data"),
    "transfers": N_("Transfers outside the EU and their safeguards"),
    "retention": N_("How long it is kept"),
    "sources": N_("Where the data comes from"),
    "automated_decisions": N_("Automated decisions"),
    "authority": N_("Where you can complain"),
    "contact": N_("Who to contact"),
}


@dataclass(frozen=True, slots=True)
class Missing:
    """A block of data the package does not hold, and why (a msgid with `%(scope)s`)."""

    block: str
    reason: str
    scope: str = ""


@dataclass
class Stats:
    """What the writer saw while streaming, for the summary."""

    orders: int = 0
    first_order: str | None = None
    last_order: str | None = None
    order_ids: set[str] = field(default_factory=set)
    """The requested orders (`orders_requested`) that were found."""
    addresses: set[bytes] = field(default_factory=set)
    """A digest per distinct address (memory stays small for thousands of orders)."""
    filled: dict[str, set[int]] = field(default_factory=dict)
    """Per file, the columns that hold a value in some row (the report leaves out the rest)."""


@dataclass(frozen=True, slots=True)
class ReportInput:
    """Everything the report shows besides the streamed rows."""

    shop_name: str
    reference: str
    generated_at: datetime
    locale: str
    profile: Mapping[str, Any]
    records: PersonRecords
    register: Register
    missing: tuple[Missing, ...] = ()
    orders_requested: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    blocks: tuple[str, ...] = ()
    """The other blocks read from the store (files of `customer_data.SCOPES`)."""


BLOCK_SECTIONS: dict[str, tuple[str, str]] = {
    "draft_orders.csv": ("drafts", N_("Your draft orders")),
    "store_credit.csv": ("credit", N_("Your store credit")),
    "store_credit_history.csv": ("credit-history", N_("The history of your store credit")),
    "gift_cards.csv": ("gift-cards", N_("Your gift cards")),
    "abandoned_checkouts.csv": ("checkouts", N_("Checkouts you did not complete")),
    "subscription_contracts.csv": ("subscriptions", N_("Your subscriptions")),
    "metafields.csv": ("fields", N_("Other fields the shop keeps about you")),
}
"""The report's section (anchor, title) of each block read from the store, in page order."""


def shown(value: object) -> str:
    """Text with invisible controls made visible (Jinja escapes the rest)."""
    text = "" if value is None else str(value)
    return _HIDDEN_CHARS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Formats:
    """Values in one locale's words."""

    locale: str

    def _(self, message: str, **values: Any) -> str:
        return i18n.gettext(self.locale, message, **values)

    def ngettext(self, singular: str, plural: str, count: int, **values: Any) -> str:
        text = i18n.translations(self.locale).ngettext(singular, plural, count)
        return text % {"count": self.number(count), **values}

    def number(self, value: Any) -> str:
        try:
            return format_decimal(Decimal(str(value)), locale=i18n.babel_locale(self.locale))
        except (InvalidOperation, ValueError):
            return shown(value)

    def money(self, amount: Any, currency: Any) -> str:
        try:
            where = i18n.babel_locale(self.locale)
            return format_currency(Decimal(str(amount)), str(currency or "XXX"), locale=where)
        except (InvalidOperation, ValueError):
            return shown(amount)

    def day(self, value: Any) -> str:
        if isinstance(value, date) and not isinstance(value, datetime):
            return format_date(value, "medium", locale=i18n.babel_locale(self.locale))
        at = _instant(value)
        if at is None:
            return shown(value)
        return format_date(at.astimezone(UTC), "long", locale=i18n.babel_locale(self.locale))

    def instant(self, value: Any) -> str:
        at = _instant(value)
        if at is None:
            return shown(value)
        where = i18n.babel_locale(self.locale)
        day = format_date(at.astimezone(UTC), "medium", locale=where)
        time = format_time(at, "short", tzinfo=UTC, locale=where) + " UTC"
        return str(where.datetime_formats["medium"]).replace("{1}", day).replace("{0}", time)

    def cell(self, spec: Field, row: Mapping[str, Any]) -> str:
        """One table cell of `row` as the person reads it."""
        value = row.get(spec.name)
        if value in (None, ""):
            return ""
        if spec.kind is Kind.INSTANT:
            return self.instant(value)
        if spec.kind is Kind.DAY:
            return self.day(value)
        if spec.kind is Kind.DATE:
            return self.day(date.fromisoformat(str(value)) if isinstance(value, str) else value)
        if spec.kind is Kind.MONEY:
            return self.money(value, row.get("currency"))
        if spec.kind is Kind.NUMBER:
            return self.number(value)
        if spec.kind is Kind.LABEL:
            group = spec.name
            return label(group, str(value), self.locale)
        return shown(value)


def summary(report: ReportInput, stats: Stats, fmt: Formats) -> list[str]:
    """The plain summary: who, what was found (orders over which years, addresses, consent)."""
    p = report.profile
    lines = []
    if stats.orders:
        first, last = (_instant(v) for v in (stats.first_order, stats.last_order))
        years = {"first": str(first.year if first else ""), "last": str(last.year if last else "")}
        if years["first"] == years["last"]:
            lines.append(
                fmt.ngettext(
                    "%(count)s order in %(year)s",
                    "%(count)s orders in %(year)s",
                    stats.orders,
                    year=years["first"],
                )
            )
        else:
            lines.append(
                fmt.ngettext(
                    "%(count)s order from %(first)s to %(last)s",
                    "%(count)s orders from %(first)s to %(last)s",
                    stats.orders,
                    **years,
                )
            )
    else:
        lines.append(fmt._("No orders"))
    lines.append(fmt.ngettext("%(count)s address", "%(count)s addresses", len(stats.addresses)))
    email = p.get("defaultEmailAddress") or {}
    if email.get("marketingState") == "SUBSCRIBED":
        since = email.get("marketingUpdatedAt")
        lines.append(
            fmt._("Subscribed to email marketing since %(date)s", date=fmt.day(since))
            if since
            else fmt._("Subscribed to email marketing")
        )
    else:
        lines.append(fmt._("Not subscribed to email marketing"))
    sms = ((p.get("defaultPhoneNumber") or {}).get("smsMarketingConsent")) or {}
    if sms.get("state") == "SUBSCRIBED":
        since = sms.get("updatedAt")
        lines.append(
            fmt._("Subscribed to SMS marketing since %(date)s", date=fmt.day(since))
            if since
            else fmt._("Subscribed to SMS marketing")
        )
    requests = len(report.records.requests)
    lines.append(
        fmt.ngettext(
            "%(count)s request to %(shop)s",
            "%(count)s requests to %(shop)s",
            requests,
            shop=shown(report.shop_name),
        )
    )
    mails = len(report.records.mails)
    lines.append(
        fmt.ngettext("%(count)s message sent to you", "%(count)s messages sent to you", mails)
    )
    return lines


def profile_rows(profile: Mapping[str, Any], fmt: Formats) -> list[tuple[str, str]]:
    """The customer profile as label → value pairs (empty values left out)."""
    email = profile.get("defaultEmailAddress") or {}
    phone = profile.get("defaultPhoneNumber") or {}
    sms = phone.get("smsMarketingConsent") or {}
    spent = profile.get("amountSpent") or {}
    locale = i18n.parse_locale(profile.get("locale"))

    def consent(state: str | None, at: str | None) -> str:
        text = label("marketing", state, fmt.locale)
        return f"{text} ({fmt.day(at)})" if text and at else text

    def yes_no(value: Any) -> str:
        return "" if value is None else fmt._("Yes") if value else fmt._("No")

    rows = [
        (N_("Name"), shown(profile.get("displayName"))),
        (N_("Email address"), shown(email.get("emailAddress"))),
        (
            N_("Email marketing"),
            consent(email.get("marketingState"), email.get("marketingUpdatedAt")),
        ),
        (N_("Phone number"), shown(phone.get("phoneNumber"))),
        (N_("SMS marketing"), consent(sms.get("state"), sms.get("updatedAt"))),
        (N_("Language"), i18n.language_name(locale) if locale else shown(profile.get("locale"))),
        (
            N_("Customer since"),
            fmt.day(profile.get("createdAt")) if profile.get("createdAt") else "",
        ),
        (N_("Account"), label("account_state", profile.get("state"), fmt.locale)),
        (N_("Orders"), fmt.number(profile.get("numberOfOrders") or 0)),
        (
            N_("Amount spent"),
            fmt.money(spent["amount"], spent.get("currencyCode"))
            if spent.get("amount") is not None
            else "",
        ),
        (N_("Tags"), shown(", ".join(profile.get("tags") or []))),
        (N_("Note"), shown(profile.get("note"))),
        (N_("Exempt from tax"), yes_no(profile.get("taxExempt"))),
        (N_("Opted out of the sale of your data"), yes_no(profile.get("dataSaleOptOut"))),
    ]
    return [(fmt._(name), value) for name, value in rows if value]


@cache
def _env(locale: str) -> Environment:
    env = i18n.jinja_environment(
        locale,
        FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["shown"] = shown
    return env


def write_report(
    target: Path,
    report: ReportInput,
    stats: Stats,
    rows: Callable[[str], Iterator[dict[str, Any]]],
) -> None:
    """Write index.html to `target`, streaming the tables from `rows(file name)`."""
    fmt = Formats(report.locale)
    visible = {
        name: [
            f
            for i, f in enumerate(fields)
            if f.kind is not Kind.HIDDEN and i in stats.filled.get(name, ())
        ]
        for name, fields in FILES.items()
    }
    context = {
        "shop": report.shop_name,
        "reference": report.reference,
        "made_on": i18n.format_instant(report.generated_at, report.locale),
        "person": report.profile.get("displayName") or "",
        "summary": summary(report, stats, fmt),
        "sections": [
            (fmt._(SECTION_TITLES[s.key]), report.register.texts.get(s.key, "")) for s in SECTIONS
        ],
        "recipients": report.register.recipients,
        "profile": profile_rows(report.profile, fmt),
        "files": FILES,
        "visible": visible,
        "rows": rows,
        "cell": fmt.cell,
        "label": lambda group, code: label(group, code, report.locale),
        "fmt": fmt,
        "records": report.records,
        "missing": [(fmt._(m.block), fmt._(m.reason, scope=m.scope)) for m in report.missing],
        "requested": _requested(report.orders_requested, stats, fmt),
        "notes": [fmt._(n) for n in report.notes],
        "blocks": report.blocks,
        "block_sections": [
            (f, anchor, fmt._(title)) for f, (anchor, title) in BLOCK_SECTIONS.items()
        ],
    }
    template = _env(report.locale).get_template("index.html.j2")
    with target.open("w", encoding="utf-8") as handle:
        for chunk in template.generate(**context):
            handle.write(chunk)


def _requested(ids: tuple[str, ...], stats: Stats, fmt: Formats) -> str:
    """What the report says of the orders a `customers/data_request` named ("" without any)."""
    if not ids:
        return ""
    found = [o for o in ids if o in stats.order_ids]
    lost = [o for o in ids if o not in stats.order_ids]
    parts = [fmt._("Your request named particular orders; all your orders are included.")]
    if found:
        parts.append(fmt._("Found: %(orders)s.", orders=", ".join(found)))
    if lost:
        parts.append(fmt._("Not found in the shop: %(orders)s.", orders=", ".join(lost)))
    return " ".join(parts)


def read_rows(path: Path, names: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """The raw rows the writer kept beside a CSV (one JSON array per line)."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield dict(zip(names, json.loads(line), strict=True))
