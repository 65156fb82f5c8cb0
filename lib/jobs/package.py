"""The export package: one ZIP per request, written to disk as the data arrives.

Rows go straight into CSV files in a work directory while pages are fetched, so memory does not
grow with the number of orders; the ZIP is then built from those files (streamed), optionally
AES-256 encrypted, written under a temporary name and renamed into place. Every CSV cell goes
through `lib.core.csvsafe.safe_cell` (formula injection), and `manifest.json` lists the SHA-256
of every other file. Beside each CSV the writer keeps its raw rows (a work file, not zipped),
from which `index.html`, the readable report (`lib.jobs.report.html`), is streamed at the end.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import hmac
import json
import os
import shutil
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import pyzipper

from lib.core import i18n
from lib.core.csvsafe import safe_cell
from lib.core.i18n import N_
from lib.core.register import Register
from lib.jobs.report.fields import COLUMNS
from lib.jobs.report.html import Missing, ReportInput, Stats, read_rows, write_report
from lib.jobs.report.records import PersonRecords

PASSPHRASE_CONTEXT = b"privacy-desk.export-passphrase.v1."
CHUNK = 1 << 20
PACKAGE_MODE = 0o600
WORK_DIR_MODE = 0o700
"""Packages and their work files are the service account's alone: other local users cannot
read the personal data; customers get a file only through a download link, staff through the
dashboard."""

FILE_NOTES = {
    "index.html": N_(
        "start here: everything in this package in a readable form, with what the shop does "
        "with your data and your rights. It opens in any web browser, without internet access."
    ),
    "customer.json": N_(
        "your customer profile: name, email address, phone number, marketing consent (whether "
        "you agreed to receive marketing and when), tags and notes the shop keeps on your "
        "account, the date your account was created, and your saved addresses."
    ),
    "orders.csv": N_(
        "one line per order: order number, dates, payment and delivery status, currency and total."
    ),
    "order_lines.csv": N_("one line per item you ordered: product, variant, quantity and price."),
    "order_fulfillments.csv": N_("the deliveries of your orders: carrier and tracking number."),
    "order_transactions.csv": N_("the payments and refunds of your orders."),
    "addresses.csv": N_(
        "every address we hold: your saved addresses, and the delivery and billing address of "
        "each order."
    ),
    "draft_orders.csv": N_("orders the shop prepared for you that are not placed yet."),
    "store_credit.csv": N_("your store credit accounts and their balance."),
    "metafields.csv": N_("other fields the shop and its apps keep on your account."),
    "requests.csv": N_("the data requests you have made to %(shop)s and what happened to them."),
    "mails.csv": N_("every message sent to you about your requests: when, why, subject and text."),
    "activity.csv": N_(
        "what was done on each of your requests and when, and by whom (by role, not by name)."
    ),
    "links.csv": N_("the download links sent to you, and how often each was used."),
    "manifest.json": N_(
        "technical details of this package: when it was made, where the data came from, and a "
        "SHA-256 checksum of each file so you can check nothing was changed."
    ),
}
RECENT_ORDERS_ONLY = N_(
    "The shop's app could read only orders of the last 60 days (it lacks Shopify's "
    "read_all_orders access); older orders are not in this package."
)
README_WIDTH = 78


def readme(info: PackageInfo) -> str:
    """README.txt in the customer's language: what the package answers and what each file holds.

    Notes are msgids (e.g. RECENT_ORDERS_ONLY) and are translated like the rest.
    """

    def _(message: str, **values: str) -> str:
        return i18n.gettext(info.locale, message, **values)

    def paragraph(text: str, indent: str = "") -> str:
        return textwrap.fill(text, README_WIDTH, subsequent_indent=indent, break_on_hyphens=False)

    generated = i18n.format_instant(info.generated_at, info.locale)
    shop = info.shop_name or info.shop
    title = _("Your data from %(shop)s", shop=shop)
    files = [
        paragraph(f"- {name}: {_(note, shop=shop)}", "  ") for name, note in FILE_NOTES.items()
    ]
    parts = [
        f"{title}\n{'=' * len(title)}",
        paragraph(
            _(
                "This package answers your request %(reference)s for a copy of the personal "
                "data that %(shop)s holds about you. It was made on %(date)s.",
                reference=info.reference,
                shop=shop,
                date=generated,
            )
        ),
        _("What each file holds") + "\n" + "\n".join(files),
        paragraph(
            _(
                "The .csv files open in any spreadsheet program (UTF-8, comma separated). Text "
                "that begins with =, +, -, @ or a tab is shown with a leading apostrophe so "
                "that spreadsheet programs treat it as text and never run it as a formula."
            )
        ),
        *(paragraph(_("Note: %(note)s", note=_(note))) for note in info.notes),
        paragraph(
            _("If anything is missing or wrong, reply to the email that brought you this link.")
        ),
    ]
    return "\n\n".join(parts) + "\n"


def derive_passphrase(secret: str, package_name: str) -> str:
    """The passphrase of an encrypted package, recomputed from the token secret when needed.

    Never stored: the export row keeps only the file name; the passphrase is mailed separately.
    """
    digest = hmac.new(secret.encode(), PASSPHRASE_CONTEXT + package_name.encode(), "sha256")
    text = base64.b32encode(digest.digest()[:15]).decode().lower()
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def sha256_file(path: Path) -> str:
    """SHA-256 hex of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class PackageInfo:
    """What the package is about (manifest and README)."""

    reference: str
    shop: str
    api_version: str
    generated_at: datetime
    customer_id: str | None
    scopes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    locale: str = i18n.SOURCE_LOCALE
    """The customer's language (README.txt, index.html); `lib.core.i18n.negotiate` it before."""
    shop_name: str = ""
    """The shop's name as the customer knows it (`shop` is its myshopify domain)."""
    register: Register | None = None
    """The store's processing register (Art. 15 information in index.html)."""
    missing: tuple[Missing, ...] = ()
    """Blocks of data not in the package, each with its reason."""
    orders_requested: tuple[str, ...] = ()
    """Order ids a `customers/data_request` named."""
    blocks: tuple[str, ...] = ()
    """The other blocks read from the store (their files; the rest are in `missing`)."""


@dataclass(frozen=True, slots=True)
class BuiltPackage:
    """The finished ZIP: where it is and what it holds."""

    path: Path
    size: int
    sha256: str
    files: dict[str, str]
    rows: dict[str, int]
    locale: str


@dataclass
class PackageWriter:
    """Collects a customer's data into files in `workdir`, then zips them."""

    workdir: Path
    rows: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True, mode=WORK_DIR_MODE)
        self._handles: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}
        self._raw: dict[str, IO[str]] = {}
        self.stats = Stats()
        self.profile: dict[str, Any] = {}
        self.records = PersonRecords((), (), (), ())
        self.wanted: frozenset[str] = frozenset()
        """Order ids a `customers/data_request` named: the report says which were found."""
        try:
            for name, header in COLUMNS.items():
                handle = (self.workdir / name).open("w", newline="", encoding="utf-8")
                self._handles[name] = handle
                self._writers[name] = csv.writer(handle, lineterminator="\r\n")
                self._writers[name].writerow(header)
                self._raw[name] = self._raw_path(name).open("w", encoding="utf-8")
                self.rows[name] = 0
        except BaseException:
            self.discard()
            raise

    def _raw_path(self, name: str) -> Path:
        return self.workdir / f".{name}.jsonl"

    def _row(self, name: str, values: tuple[Any, ...]) -> None:
        self._writers[name].writerow([safe_cell(v) for v in values])
        filled = self.stats.filled.setdefault(name, set())
        if len(filled) < len(values):
            filled.update(i for i, v in enumerate(values) if v not in (None, ""))
        self._raw[name].write(json.dumps(values, ensure_ascii=False, default=_raw_value) + "\n")
        self.rows[name] += 1

    def customer(self, profile: dict[str, Any]) -> None:
        """customer.json, and the customer's saved addresses."""
        self.profile = profile
        path = self.workdir / "customer.json"
        path.write_text(json.dumps(profile, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for address in profile.get("addresses") or []:
            self._address("saved_address", None, address)

    def orders(self, orders: list[dict[str, Any]]) -> None:
        """One page of orders (each with all its line items)."""
        stats = self.stats
        for order in orders:
            order_id, name = _number(order["id"]), order.get("name")
            total = ((order.get("totalPriceSet") or {}).get("shopMoney") or {}).get("amount")
            lines = order.get("lineItems") or []
            created = order.get("createdAt")
            shipping = order.get("shippingLine") or {}
            shipping_money = (shipping.get("originalPriceSet") or {}).get("shopMoney") or {}
            stats.orders += 1
            if order_id in self.wanted:
                stats.order_ids.add(order_id)
            if created and (stats.first_order is None or created < stats.first_order):
                stats.first_order = created
            if created and (stats.last_order is None or created > stats.last_order):
                stats.last_order = created
            self._row(
                "orders.csv",
                (
                    order_id, name, created, order.get("processedAt"),
                    order.get("cancelledAt"), order.get("closedAt"),
                    order.get("displayFinancialStatus"), order.get("displayFulfillmentStatus"),
                    order.get("currencyCode"), total, order.get("email"), order.get("phone"),
                    order.get("note"), ", ".join(order.get("tags") or []), len(lines),
                    shipping.get("title"), shipping_money.get("amount"),
                    ", ".join(order.get("discountCodes") or []), order.get("returnStatus"),
                ),
            )  # fmt: skip
            for line in lines:
                money = (line.get("originalUnitPriceSet") or {}).get("shopMoney") or {}
                self._row(
                    "order_lines.csv",
                    (
                        order_id, name, _number(line["id"]), line.get("title"),
                        line.get("variantTitle"), line.get("sku"), line.get("quantity"),
                        money.get("amount"), money.get("currencyCode"),
                    ),
                )  # fmt: skip
            for delivery in order.get("fulfillments") or []:
                for track in delivery.get("trackingInfo") or [{}]:
                    self._row(
                        "order_fulfillments.csv",
                        (
                            order_id, name, delivery.get("status"), delivery.get("createdAt"),
                            track.get("company"), track.get("number"), track.get("url"),
                        ),
                    )  # fmt: skip
            for payment in order.get("transactions") or []:
                amount = (payment.get("amountSet") or {}).get("shopMoney") or {}
                self._row(
                    "order_transactions.csv",
                    (
                        order_id, name, payment.get("kind"), payment.get("status"),
                        payment.get("formattedGateway"), payment.get("processedAt"),
                        amount.get("amount"), amount.get("currencyCode"),
                    ),
                )  # fmt: skip
            for refund in order.get("refunds") or []:
                back = (refund.get("totalRefundedSet") or {}).get("shopMoney") or {}
                self._row(
                    "order_refunds.csv",
                    (
                        order_id, name, refund.get("createdAt"), back.get("amount"),
                        back.get("currencyCode"), refund.get("note"),
                    ),
                )  # fmt: skip
            for attribute in order.get("customAttributes") or []:
                pair = (attribute.get("key"), attribute.get("value"))
                self._row("order_attributes.csv", (order_id, name, *pair))
            for source in ("shippingAddress", "billingAddress"):
                if order.get(source):
                    kind = "order_shipping" if source == "shippingAddress" else "order_billing"
                    self._address(kind, name, order[source])

    def _address(self, source: str, order_name: str | None, a: dict[str, Any]) -> None:
        values = (
            a.get("firstName"), a.get("lastName"), a.get("company"), a.get("address1"),
            a.get("address2"), a.get("city"), a.get("province"), a.get("provinceCode"),
            a.get("zip"), a.get("country"), a.get("countryCode") or a.get("countryCodeV2"),
            a.get("phone"),
        )  # fmt: skip
        key = "\x1f".join(str(v or "").strip().lower() for v in values[:-1])
        self.stats.addresses.add(hashlib.blake2b(key.encode(), digest_size=16).digest())
        self._row("addresses.csv", (source, order_name, *values))

    def block(self, name: str, rows: Iterable[tuple[Any, ...]]) -> None:
        """Another block read from the store (`lib.store.customer_data`)."""
        for row in rows:
            self._row(name, row)

    def own_records(self, records: PersonRecords) -> None:
        """Privacy Desk's records about the person: requests, mails, activity, links."""
        self.records = records
        for request in records.requests:
            self._row("requests.csv", request.row())
        for m in records.mails:
            self._row("mails.csv", (m.reference, m.at, m.sent_at, m.purpose, m.subject, m.text))
        for e in records.events:
            self._row("activity.csv", (e.reference, e.at, e.by, e.kind, e.to_status, e.reason))
        for link in records.links:
            self._row(
                "links.csv",
                (
                    link.reference, link.sent_at, link.expires_at, link.downloads,
                    link.max_downloads, link.last_download_at, link.revoked_at,
                ),
            )  # fmt: skip

    def _report(self, info: PackageInfo) -> None:
        for handle in self._raw.values():
            handle.close()
        if info.register is None:
            raise ValueError("the package has no processing register for its report")
        report = ReportInput(
            shop_name=info.shop_name or info.shop,
            reference=info.reference,
            generated_at=info.generated_at,
            locale=info.locale,
            profile=self.profile,
            records=self.records,
            register=info.register,
            missing=info.missing,
            orders_requested=info.orders_requested,
            notes=info.notes,
            blocks=info.blocks,
        )

        def rows(name: str) -> Iterator[dict[str, Any]]:
            return read_rows(self._raw_path(name), COLUMNS[name])

        write_report(self.workdir / "index.html", report, self.stats, rows)

    def build(self, info: PackageInfo, target: Path, passphrase: str | None) -> BuiltPackage:
        """Write README and manifest, zip everything into `target` (atomic rename)."""
        for handle in self._handles.values():
            handle.close()
        if not (self.workdir / "customer.json").exists():
            raise ValueError("the package has no customer.json")
        (self.workdir / "README.txt").write_text(readme(info), encoding="utf-8")
        self._report(info)
        names = ["index.html", "customer.json", *COLUMNS, "README.txt"]
        files = {name: sha256_file(self.workdir / name) for name in names}
        manifest = {
            "request_reference": info.reference,
            "generated_at": info.generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "sources": [
                {
                    "system": "Shopify Admin GraphQL API",
                    "shop": info.shop,
                    "api_version": info.api_version,
                    "customer_id": info.customer_id,
                    "access_scopes": list(info.scopes),
                },
                {"system": "Privacy Desk", "data": "data subject request history"},
            ],
            "notes": list(info.notes),
            "language": info.locale,
            "rows": dict(self.rows),
            "files": [{"name": n, "sha256": h, "bytes": (self.workdir / n).stat().st_size}
                      for n, h in files.items()],
            "encrypted": passphrase is not None,
        }  # fmt: skip
        (self.workdir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        partial = target.with_name(f".{target.name}.part")
        try:
            _zip(self.workdir, [*names, "manifest.json"], partial, passphrase, info.generated_at)
            os.replace(partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)  # a disk that filled up gets its space back
            raise
        size, digest = target.stat().st_size, sha256_file(target)
        return BuiltPackage(target, size, digest, files, self.rows, info.locale)

    def discard(self) -> None:
        """Remove the work directory (after build or on failure); never raises.

        On a full disk closing a file fails again (its buffer cannot be written): that second
        error must neither hide the first one, which the job reports, nor keep the directory.
        """
        for handle in (*self._handles.values(), *self._raw.values()):
            with contextlib.suppress(OSError):
                handle.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _zip(
    workdir: Path, names: list[str], target: Path, passphrase: str | None, at: datetime
) -> None:
    stamp = (at.year, at.month, at.day, at.hour, at.minute, at.second)
    opener = pyzipper.AESZipFile if passphrase else pyzipper.ZipFile
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PACKAGE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        with opener(handle, "w", compression=pyzipper.ZIP_DEFLATED) as archive:
            if passphrase:
                archive.setpassword(passphrase.encode())
                archive.setencryption(pyzipper.WZ_AES, nbits=256)
            for name in names:
                entry = archive.zipinfo_cls(name, date_time=stamp)
                entry.compress_type = pyzipper.ZIP_DEFLATED
                with (workdir / name).open("rb") as source, archive.open(entry, "w") as sink:
                    shutil.copyfileobj(source, sink, CHUNK)
        handle.flush()
        os.fsync(handle.fileno())  # on disk before it is renamed into place


def _raw_value(value: Any) -> str:
    """Instants and dates in the raw rows as ISO text (the report formats them)."""
    return value.isoformat() if isinstance(value, datetime | date) else str(value)


def _number(global_id: str) -> str:
    return str(global_id).rsplit("/", 1)[-1].split("?", 1)[0]
