"""The export package: one ZIP per request, written to disk as the data arrives.

Rows go straight into CSV files in a work directory while pages are fetched, so memory does not
grow with the number of orders; the ZIP is then built from those files (streamed), optionally
AES-256 encrypted, written under a temporary name and renamed into place. Every CSV cell goes
through `lib.core.csvsafe.safe_cell` (formula injection), and `manifest.json` lists the SHA-256
of every other file.
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
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import pyzipper

from lib.core import i18n
from lib.core.csvsafe import safe_cell
from lib.core.i18n import N_

PASSPHRASE_CONTEXT = b"privacy-desk.export-passphrase.v1."
CHUNK = 1 << 20
PACKAGE_MODE = 0o600
WORK_DIR_MODE = 0o700
"""Packages and their work files are the service account's alone: other local users cannot
read the personal data; customers get a file only through a download link, staff through the
dashboard."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "orders.csv": (
        "order_id", "order_name", "created_at", "processed_at", "cancelled_at", "closed_at",
        "financial_status", "fulfillment_status", "currency", "total", "email", "phone", "note",
        "tags", "line_items",
    ),
    "order_lines.csv": (
        "order_id", "order_name", "line_item_id", "title", "variant_title", "sku", "quantity",
        "unit_price", "currency",
    ),
    "addresses.csv": (
        "source", "order_name", "first_name", "last_name", "company", "address1", "address2",
        "city", "province", "province_code", "zip", "country", "country_code", "phone",
    ),
    "requests.csv": (
        "reference", "type", "channel", "status", "received_at", "verified_at", "responded_at",
        "closed_at", "due_on", "regime", "rejection_code",
    ),
}  # fmt: skip
FILE_NOTES = {
    "customer.json": N_(
        "your customer profile: name, email address, phone number, marketing consent (whether "
        "you agreed to receive marketing and when), tags and notes the shop keeps on your "
        "account, the date your account was created, and your saved addresses."
    ),
    "orders.csv": N_(
        "one line per order: order number, dates, payment and delivery status, currency and total."
    ),
    "order_lines.csv": N_("one line per item you ordered: product, variant, quantity and price."),
    "addresses.csv": N_(
        "every address we hold: your saved addresses, and the delivery and billing address of "
        "each order."
    ),
    "requests.csv": N_("the data requests you have made to %(shop)s and what happened to them."),
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
    title = _("Your data from %(shop)s", shop=info.shop)
    files = [
        paragraph(f"- {name}: {_(note, shop=info.shop)}", "  ") for name, note in FILE_NOTES.items()
    ]
    parts = [
        f"{title}\n{'=' * len(title)}",
        paragraph(
            _(
                "This package answers your request %(reference)s for a copy of the personal "
                "data that %(shop)s holds about you. It was made on %(date)s.",
                reference=info.reference,
                shop=info.shop,
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
    """The customer's language (README.txt); `lib.core.i18n.negotiate` it before."""


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
        try:
            for name, header in COLUMNS.items():
                handle = (self.workdir / name).open("w", newline="", encoding="utf-8")
                self._handles[name] = handle
                self._writers[name] = csv.writer(handle, lineterminator="\r\n")
                self._writers[name].writerow(header)
                self.rows[name] = 0
        except BaseException:
            self.discard()
            raise

    def _row(self, name: str, values: tuple[Any, ...]) -> None:
        self._writers[name].writerow([safe_cell(v) for v in values])
        self.rows[name] += 1

    def customer(self, profile: dict[str, Any]) -> None:
        """customer.json, and the customer's saved addresses."""
        path = self.workdir / "customer.json"
        path.write_text(json.dumps(profile, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for address in profile.get("addresses") or []:
            self._address("saved_address", None, address)

    def orders(self, orders: list[dict[str, Any]]) -> None:
        """One page of orders (each with all its line items)."""
        for order in orders:
            order_id, name = _number(order["id"]), order.get("name")
            total = ((order.get("totalPriceSet") or {}).get("shopMoney") or {}).get("amount")
            lines = order.get("lineItems") or []
            self._row(
                "orders.csv",
                (
                    order_id, name, order.get("createdAt"), order.get("processedAt"),
                    order.get("cancelledAt"), order.get("closedAt"),
                    order.get("displayFinancialStatus"), order.get("displayFulfillmentStatus"),
                    order.get("currencyCode"), total, order.get("email"), order.get("phone"),
                    order.get("note"), ", ".join(order.get("tags") or []), len(lines),
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
            for source in ("shippingAddress", "billingAddress"):
                if order.get(source):
                    kind = "order_shipping" if source == "shippingAddress" else "order_billing"
                    self._address(kind, name, order[source])

    def _address(self, source: str, order_name: str | None, a: dict[str, Any]) -> None:
        self._row(
            "addresses.csv",
            (
                source, order_name, a.get("firstName"), a.get("lastName"), a.get("company"),
                a.get("address1"), a.get("address2"), a.get("city"), a.get("province"),
                a.get("provinceCode"), a.get("zip"), a.get("country"), a.get("countryCode")
                or a.get("countryCodeV2"), a.get("phone"),
            ),
        )  # fmt: skip

    def requests(self, history: list[tuple[Any, ...]]) -> None:
        """This person's request history, one row per request (in COLUMNS order)."""
        for row in history:
            self._row("requests.csv", row)

    def build(self, info: PackageInfo, target: Path, passphrase: str | None) -> BuiltPackage:
        """Write README and manifest, zip everything into `target` (atomic rename)."""
        for handle in self._handles.values():
            handle.close()
        if not (self.workdir / "customer.json").exists():
            raise ValueError("the package has no customer.json")
        (self.workdir / "README.txt").write_text(readme(info), encoding="utf-8")
        names = ["customer.json", *COLUMNS, "README.txt"]
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
        for handle in self._handles.values():
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


def _number(global_id: str) -> str:
    return str(global_id).rsplit("/", 1)[-1].split("?", 1)[0]
