"""The per-store processing register: the Art. 15 information an access answer must carry.

GDPR Art. 15(1)(a)-(h) and 15(2) ask for the purposes, the categories, the recipients (those
outside the EU and their safeguards), the retention, the source, automated decisions, and the
rights to complain. A store keeps these once, here; every access package prints them. A store
without a row gets `defaults` for a Shopify store, unreviewed: the package still carries them
(the legal deadline is never held up) and *Deliver to customer* warns until staff confirm them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib.core.audit import append_event
from lib.core.enums import EventKind
from lib.core.models import ProcessingRegister, Store, utcnow

MAX_TEXT = 4000
MAX_RECIPIENTS = 50
MAX_FIELD = 300
RECIPIENT_FIELDS = ("name", "purpose", "country", "safeguard")


@dataclass(frozen=True, slots=True)
class Section:
    """One free-text part of the register: its key, the staff label and the article it answers."""

    key: str
    label: str
    article: str


SECTIONS: tuple[Section, ...] = (
    Section("purposes", "Purposes and legal bases", "Art. 15(1)(a)"),
    Section("categories", "Categories of personal data", "Art. 15(1)(b)"),
    Section("transfers", "Transfers outside the EU/EEA and their safeguards", "Art. 15(2)"),
    Section("retention", "Retention, per category", "Art. 15(1)(d)"),
    Section("sources", "Where the data comes from", "Art. 15(1)(g)"),
    Section("automated_decisions", "Automated decisions and profiling", "Art. 15(1)(h)"),
    Section("authority", "Supervisory authority", "Art. 15(1)(f)"),
    Section("contact", "Privacy contact or data protection officer", "Art. 13(1)(b)"),
)
TEXT_KEYS = tuple(s.key for s in SECTIONS)

AUTHORITIES = {
    "AT": "Österreichische Datenschutzbehörde (dsb.gv.at)",
    "BE": "Autorité de protection des données / Gegevensbeschermingsautoriteit "
    "(dataprotectionauthority.be)",
    "DE": "the data protection authority of the German Land where the shop is established "
    "(list: bfdi.bund.de)",
    "DK": "Datatilsynet (datatilsynet.dk)",
    "ES": "Agencia Española de Protección de Datos (aepd.es)",
    "FR": "Commission nationale de l'informatique et des libertés, CNIL (cnil.fr)",
    "GB": "Information Commissioner's Office, ICO (ico.org.uk)",
    "IE": "Data Protection Commission (dataprotection.ie)",
    "IT": "Garante per la protezione dei dati personali (garanteprivacy.it)",
    "NL": "Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl)",
    "PL": "Prezes Urzędu Ochrony Danych Osobowych, UODO (uodo.gov.pl)",
    "PT": "Comissão Nacional de Proteção de Dados, CNPD (cnpd.pt)",
    "SE": "Integritetsskyddsmyndigheten, IMY (imy.se)",
}
"""Lead authorities by the shop's country (EDPB members: edpb.europa.eu/about-edpb/members)."""


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone who receives the data: a processor, an app, a carrier; where, and under what."""

    name: str
    purpose: str
    country: str
    safeguard: str


@dataclass(frozen=True, slots=True)
class Register:
    """A store's register as read: its texts, recipients and review state."""

    store_id: int
    texts: Mapping[str, str]
    recipients: tuple[Recipient, ...]
    reviewed_at: datetime | None
    reviewed_by: str | None
    updated_at: datetime | None
    updated_by: str | None

    @property
    def reviewed(self) -> bool:
        """True once staff confirmed the register as it stands."""
        return self.reviewed_at is not None

    def content(self) -> dict[str, Any]:
        """The stored JSON form."""
        rows = [{f: getattr(r, f) for f in RECIPIENT_FIELDS} for r in self.recipients]
        return {**self.texts, "recipients": rows}


class RegisterError(ValueError):
    """A register edit that cannot be saved; the message is one sentence for staff."""


def defaults(store: Store) -> dict[str, Any]:
    """Sensible starting texts for a Shopify store (to review: they are generic)."""
    authority = AUTHORITIES.get((store.country or "").upper())
    contact = store.contact_email or "(to fill in: the shop's privacy address)"
    return {
        "purposes": (
            "Taking, paying for and delivering your orders, returns and refunds (contract, "
            "Art. 6(1)(b) GDPR); your customer account and customer service; email or SMS "
            "marketing when you agreed to it (consent, Art. 6(1)(a)); preventing fraud and "
            "keeping the store secure (legitimate interests, Art. 6(1)(f)); bookkeeping and tax "
            "records (legal obligation, Art. 6(1)(c)); answering your data protection requests "
            "(Art. 6(1)(c))."
        ),
        "categories": (
            "Identity and contact data (name, email address, phone number); postal addresses; "
            "orders, items bought, payments (never full card numbers), refunds, returns and "
            "deliveries; marketing consent and its dates; account data (language, tags and "
            "notes kept by staff); gift cards and store credit; the messages about your "
            "requests."
        ),
        "transfers": (
            "Where a recipient is outside the EU/EEA, the transfer relies on an adequacy "
            "decision of the European Commission (Art. 45 GDPR), such as the one for Canada, "
            "or on the European Commission's standard contractual clauses (Art. 46(2)(c)), as "
            "in Shopify's Data Processing Addendum. You may ask for a copy of the safeguards."
        ),
        "retention": (
            "Orders, invoices and payments: as long as tax and commercial law require (often 6 "
            "to 10 years); customer account: until you close it; marketing consent: until you "
            "withdraw it; data protection requests and the messages about them: 3 years after "
            "they are closed."
        ),
        "sources": (
            "From you (your account, checkout and messages), and from Shopify and our payment "
            "and delivery providers (payment and delivery status). We do not buy personal data."
        ),
        "automated_decisions": (
            "No decision with legal or similarly significant effects is made about you by "
            "automated means alone (Art. 22 GDPR). Shopify's fraud analysis may hold an order "
            "for review; a person decides."
        ),
        "authority": (
            f"{authority}. You may also complain to the authority of the EU/EEA country where "
            "you live or work."
            if authority
            else "The data protection authority of the EU/EEA country where you live or work, "
            "or where the shop is established."
        ),
        "contact": contact,
        "recipients": [
            {
                "name": "Shopify International Limited",
                "purpose": "hosts the store and processes orders on our behalf (processor)",
                "country": "Ireland",
                "safeguard": "within the EU/EEA",
            },
            {
                "name": "Shopify Inc. and its affiliates",
                "purpose": "operates and supports the Shopify platform (sub-processors)",
                "country": "Canada, United States",
                "safeguard": "adequacy decision (Canada); standard contractual clauses",
            },
            {
                "name": "Payment providers",
                "purpose": "take your payments and refunds",
                "country": "(to fill in)",
                "safeguard": "(to fill in)",
            },
            {
                "name": "Delivery carriers",
                "purpose": "deliver your orders and returns",
                "country": "the countries of delivery",
                "safeguard": "(to fill in)",
            },
            {
                "name": "Apps installed on the store",
                "purpose": "(to fill in: each app, what it does; Shopify admin → Apps)",
                "country": "(to fill in)",
                "safeguard": "(to fill in)",
            },
        ],
    }


def unsaved(store: Store) -> Register:
    """The register of a store that saved none: the defaults, unreviewed."""
    return _register(store.id, defaults(store), None, None, None, None)


def load(session: Session, store: Store) -> Register:
    """The store's register; the unreviewed defaults when none was saved yet."""
    row = session.scalars(
        select(ProcessingRegister).where(ProcessingRegister.store_id == store.id)
    ).first()
    if row is None:
        return unsaved(store)
    return _register(
        store.id, row.content, row.reviewed_at, row.reviewed_by, row.updated_at, row.updated_by
    )


def validate(content: Mapping[str, Any]) -> dict[str, Any]:
    """The content in its stored form, or RegisterError naming the first thing wrong."""
    texts: dict[str, str] = {}
    for section in SECTIONS:
        value = content.get(section.key)
        text = str(value).strip() if value is not None else ""
        if not text:
            raise RegisterError(f"{section.label} is empty; every section needs a text.")
        if len(text) > MAX_TEXT:
            raise RegisterError(f"{section.label} is longer than {MAX_TEXT:,} characters.")
        texts[section.key] = text
    recipients = _recipients(content.get("recipients") or [])
    return {**texts, "recipients": recipients}


def _recipients(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    cleaned: list[dict[str, str]] = []
    for number, row in enumerate(rows, start=1):
        values = {f: str(row.get(f) or "").strip() for f in RECIPIENT_FIELDS}
        if not any(values.values()):
            continue  # an empty row left by the table editor
        if not values["name"]:
            raise RegisterError(f"Recipient {number} has no name.")
        too_long = next((f for f in RECIPIENT_FIELDS if len(values[f]) > MAX_FIELD), None)
        if too_long:
            raise RegisterError(f"Recipient {number}: {too_long} is over {MAX_FIELD} characters.")
        cleaned.append(values)
    if len(cleaned) > MAX_RECIPIENTS:
        raise RegisterError(f"A register lists at most {MAX_RECIPIENTS} recipients.")
    return cleaned


def save(
    session: Session, store: Store, content: Mapping[str, Any], actor: str, *, reviewed: bool
) -> bool:
    """Store an edit (validated first; nothing changes on RegisterError), audited.

    `reviewed` confirms the register as saved; an edit without it is unreviewed again.
    Returns False when neither the content nor the review state changed.
    """
    new = validate(content)
    row = session.scalars(
        select(ProcessingRegister).where(ProcessingRegister.store_id == store.id).with_for_update()
    ).first()
    before = row.content if row else defaults(store)
    was_reviewed = row is not None and row.reviewed_at is not None
    changed = sorted(k for k in (*TEXT_KEYS, "recipients") if before.get(k) != new.get(k))
    if not changed and reviewed == was_reviewed:
        return False
    now = utcnow()
    if row is None:
        row = ProcessingRegister(store_id=store.id, content=new, updated_by=actor, updated_at=now)
        session.add(row)
    row.content, row.updated_at, row.updated_by = new, now, actor
    if reviewed and (changed or not was_reviewed):
        row.reviewed_at, row.reviewed_by = now, actor
    elif not reviewed:
        row.reviewed_at, row.reviewed_by = None, None
    append_event(
        session,
        actor=actor,
        kind=EventKind.SETTING,
        details={
            "key": "processing_register",
            "store": store.shop_domain,
            "changed": changed,
            "reviewed": row.reviewed_at is not None,
        },
    )
    return True


def _register(
    store_id: int,
    content: Mapping[str, Any],
    reviewed_at: datetime | None,
    reviewed_by: str | None,
    updated_at: datetime | None,
    updated_by: str | None,
) -> Register:
    recipients = tuple(
        Recipient(**{f: str(r.get(f) or "") for f in RECIPIENT_FIELDS})
        for r in content.get("recipients") or []
    )
    texts = {k: str(content.get(k) or "") for k in TEXT_KEYS}
    return Register(store_id, texts, recipients, reviewed_at, reviewed_by, updated_at, updated_by)
