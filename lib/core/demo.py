"""Synthetic demo data: two stores, a Shopify-like customer base and N data-subject requests.

`seed_demo` is what `python -m lib demo --requests N` runs. Built for volume: a million requests
with their audit events in well under three minutes on two cores, in bounded memory.

- Stores `demo-shop.myshopify.com` (GDPR, Europe/Berlin) and `demo-us.myshopify.com` (CCPA,
  America/Los_Angeles) are created when absent. The demo store's customers, orders and line items
  are seeded once (when the demo shops have no customers yet), including the heavy customer
  `heavy.buyer@example.com` with exactly 5,000 orders; later runs reuse them. So is the history
  of the `guest_support` setting (switched off for two weeks ~10 months ago, no guest requests
  then).
- Requests are appended: ids continue after the highest existing id and the audit chain continues
  from `audit_head`. Every request carries exactly the events `lib.core.lifecycle` would have
  written (creation event, the move to the channel's first status, each later legal transition,
  EXTENDED events, notes), sealed with `lib.core.audit.seal`, and the timestamps
  `lifecycle.transition` sets. As with `open_request`, no request stays in `received`.
- Deterministic for (seed, now, chunk size, what the database held before): pass `now` to pin
  the clock. Every instant is drawn relative to `now`.
- Rows are generated in chunks and inserted with DB-API `executemany` (SQLite) or `COPY`
  (PostgreSQL); each chunk is one transaction that also moves `audit_head`, so the chain is
  intact after every commit and an interrupted run leaves consistent data. From
  `PARALLEL_MIN_REQUESTS` on, generating and hashing (the chain is sequential) run in a child
  process while the parent writes.
"""

from __future__ import annotations

import gc
import json
import marshal
import math
import os
import pickle
import random
import subprocess
import sys
import time
import traceback
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection, func, select, text
from tqdm import tqdm

from lib.core.audit import HEAD_ID, SYSTEM_ACTOR, append_event, seal
from lib.core.config import PROJECT_ROOT
from lib.core.db import Database
from lib.core.deadlines import compute_deadline, regime_for
from lib.core.enums import EventKind, RejectionCode, Status
from lib.core.lifecycle import FIRST_STATUS, TRANSITIONS
from lib.core.models import (
    DemoCustomer,
    DemoOrder,
    Request,
    Setting,
    SettingChange,
    Store,
    make_reference,
    utcnow,
)

# --------------------------------------------------------------------------------------------
# Tunables
# --------------------------------------------------------------------------------------------

CHUNK_REQUESTS = 10_000
"""Requests per generated chunk and per transaction (memory stays bounded by a few chunks)."""
PARALLEL_MIN_REQUESTS = 50_000
"""From this many requests on, generation runs in a child process (it costs ~1 s to start)."""
HISTORY_DAYS = 730
MIN_CUSTOMERS, MAX_CUSTOMERS, REQUESTS_PER_CUSTOMER = 200, 20_000, 50
HEAVY_EMAIL = "heavy.buyer@example.com"
HEAVY_ORDERS = 5_000
SHOPIFY_IDS = {
    "customer": 7_000_000_000_001,
    "order": 5_000_000_000_001,
    "line_item": 14_000_000_000_001,
}
"""First ids, like Shopify's numeric ids (64-bit)."""
EXPIRE_AFTER_DAYS = 14  # settings: unverified_expiry_days
LINK_HOURS = 72  # settings: verify_link_hours
DOWNLOAD_DAYS = 7  # settings: download_link_days

SEC = 1_000_000
MINUTE, HOUR, DAY = 60 * SEC, 3_600 * SEC, 86_400 * SEC
EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)

CUSTOMER_ACTOR = "customer"
SHOPIFY_ACTOR = "shopify"

# --------------------------------------------------------------------------------------------
# The demo world
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoreSpec:
    """One demo shop, its staff and where its customers live (`CC` or `CC-SUB`, weight)."""

    domain: str
    name: str
    default_regime: str
    country: str
    timezone: str
    contact_email: str
    staff: tuple[str, ...]
    share: float
    """Share of the customers and of the requests."""
    countries: tuple[tuple[str, str | None, float], ...]


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _pool(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split("|"))


def _places(spec: str) -> tuple[tuple[str, str | None, float], ...]:
    """'DE:30 US-CA:2' → (('DE', None, 30.0), ('US', 'CA', 2.0))."""
    out = []
    for item in spec.split():
        place, weight = item.split(":")
        country, _, sub = place.partition("-")
        out.append((country, sub or None, float(weight)))
    return tuple(out)


STORES: tuple[StoreSpec, ...] = (
    StoreSpec(
        "demo-shop.myshopify.com", "Demo Outfitters", "gdpr", "DE", "Europe/Berlin",
        "owner@demo-outfitters.example",
        ("anna.schmidt@demo-outfitters.example", "dpo@demo-outfitters.example"),
        0.65,
        _places("DE:30 FR:12 IE:4 ES:8 IT:8 NL:7 PL:6 SE:4 GB:10 US-NY:2 US-CA:2 BR:2 CA-QC:2 "
                "AU:2 JP:1"),
    ),
    StoreSpec(
        "demo-us.myshopify.com", "Demo Goods US", "ccpa", "US", "America/Los_Angeles",
        "owner@demogoods.example", ("mike.chen@demogoods.example", "privacy@demogoods.example"),
        0.35,
        _places("US-CA:36 US-VA:7 US-CO:6 US-TX:11 US-NY:10 US-WA:5 US-FL:5 CA-ON:5 CA-QC:3 "
                "GB:3 DE:2 BR:3 AU:2 JP:2"),
    ),
)  # fmt: skip

# country | first names | last names | cities (City/SUB) | streets | phone | locale | currency.
# Accents, ligatures, apostrophes and non-Latin scripts on purpose.
_WORLD = """
DE | Jürgen,Lena,Björn,Änne,Jörg,Sören,Maximilian,Sophie,Käthe | Müller,Schröder,Weiß,Groß,\
Köhler,Bäcker,Schmidt,Straßburger,Özdemir | Berlin,München,Köln,Düsseldorf | Hauptstraße,\
Schloßallee,Am Güterbahnhof | +49 151 | de | EUR
FR | Zoé,Hélène,François,Amélie,Gaëlle,Jérôme,Cécile,Noël | Lefèvre,Dupré,Bézier,Garçon,\
Moreau,Lemaître | Paris,Lyon,Besançon,Orléans | Rue de l'Église,Avenue des Champs-Élysées | \
+33 6 | fr | EUR
IE | Siobhán,Seán,Aoife,Niamh,Pádraig,Ciarán | Ó Súilleabháin,O'Brien,Mac Giolla Phádraig,\
Murphy,Ní Bhriain | Dublin,Cork,Dún Laoghaire | Sráid Uí Chonaill,Grafton Street | +353 87 | \
en | EUR
ES | José,María,Íñigo,Begoña,Ángel,Lucía | Núñez,Peña,Muñoz,Ibáñez,Fernández de Córdoba | \
Madrid,A Coruña,Málaga | Calle Mayor,Plaza España | +34 612 | es | EUR
IT | Niccolò,Lucia,Giosuè,Chiara,Matteo | Rossi,D'Angelo,Dell'Acqua,Mazzà,Esposito | Roma,\
Forlì,Milano | Via Roma,Corso Vittorio Emanuele II | +39 347 | it | EUR
NL | Daan,Sanne,Eeltje,Fenna,IJsbrand | van der Berg,de Vries,Dijkstra,van 't Hek,IJzerman | \
Amsterdam,'s-Hertogenbosch,Utrecht | Kerkstraat,Prinsengracht | +31 6 | nl | EUR
PL | Łukasz,Zofia,Małgorzata,Paweł,Wojciech | Wiśniewski,Dąbrowska,Żółkiewski,\
Brzęczyszczykiewicz,Nowak | Warszawa,Łódź,Kraków,Gdańsk | ul. Długa,al. Jerozolimskie | \
+48 501 | pl | PLN
SE | Åsa,Björn,Märta,Sven,Linnéa,Örjan | Öberg,Ångström,Lindqvist,Sjöberg | Stockholm,\
Göteborg,Malmö | Storgatan,Drottninggatan | +46 70 | sv | SEK
GB | Oliver,Amelia,Harry,Isla,Ffion,Rhys | Smith,Jones,O'Connor,Ffrench,Taylor-Wood,Patel | \
London,Manchester,Llanfairpwllgwyngyll | High Street,Church Lane | +44 7700 | en | GBP
US | James,Olivia,Liam,Emma,José,Mai,DeShawn,Zoë | Johnson,Williams,Nguyễn,García,O'Neil,Kim | \
Los Angeles/CA,San Francisco/CA,Richmond/VA,Denver/CO,Austin/TX,New York/NY,Seattle/WA,\
Miami/FL | Main Street,Oak Avenue,Sunset Boulevard | +1 213 | en | USD
BR | João,Conceição,Luís,Ana,Thiago,Lívia | Gonçalves,Araújo,Magalhães,Silva,Souza | São Paulo,\
Rio de Janeiro,Florianópolis | Rua Augusta,Avenida Paulista | +55 11 9 | pt-BR | BRL
CA | Éloïse,Gilles,Chloé,Liam,Noémie,Ethan | Tremblay,Gagnon,Bouchard,Côté,MacDonald | \
Toronto/ON,Montréal/QC,Québec/QC,Ottawa/ON | Rue Sainte-Catherine,Yonge Street | +1 514 | \
fr-CA | CAD
AU | Jack,Charlotte,Lachlan,Matilda,Noah | Nguyen,Wilson,Kelly,Papadopoulos | Sydney,Melbourne,\
Brisbane | George Street,Collins Street | +61 412 | en | AUD
JP | 翔太,さくら,Haruto,陽菜,Yui,蓮 | 佐藤,鈴木,Takahashi,田中,Watanabe | 東京,大阪,Kyoto | 銀座,\
Shibuya,梅田 | +81 90 | ja | JPY
"""


@dataclass(frozen=True, slots=True)
class _Country:
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    cities: tuple[tuple[str, str | None], ...]
    streets: tuple[str, ...]
    phone: str
    locale: str
    currency: str


def _world() -> dict[str, _Country]:
    world = {}
    for line in _WORLD.strip().splitlines():
        code, first, last, cities, streets, phone, locale, currency = (
            part.strip() for part in line.split("|")
        )
        world[code] = _Country(
            tuple(first.split(",")),
            tuple(last.split(",")),
            tuple((c.partition("/")[0], c.partition("/")[2] or None) for c in cities.split(",")),
            tuple(streets.split(",")),
            phone,
            locale,
            currency,
        )
    return world


WORLD: dict[str, _Country] = _world()
SPECIAL_NAMES: tuple[tuple[str, str], ...] = (
    ("محمد", "العلي"), ("فاطمة", "حداد"), ("יוסף", "כהן"), ("נועה", "לוי"),
    ("Mia 🌸", "Sonnenschein ☀️"), ("Jess 🦄", "Rainbow"), ("Kai", "Coder 👩\u200d💻"),
    ("Ame\u0301lie", "Poulain"), ("Zoe\u0308", "Bro\u0308nte"), ("Jose\u0301", "Nu\u0303n\u0303ez"),
    ("Ma\u0327\u0301rio", "Z\u0336a\u0336l\u0336g\u0336o"), ("Σωκράτης", "Παπαδόπουλος"),
)  # fmt: skip
"""Names that stress rendering, sorting and slugging: right-to-left scripts, emoji, combining
marks (decomposed, not NFC), a zero-width joiner."""
EMAIL_DOMAINS = ("example.com", "example.net", "mail.example", "inbox.example", "post.example")
PRODUCTS: tuple[tuple[str, str, int], ...] = tuple(
    (title, sku, int(cents))
    for title, sku, cents in (
        item.split("/")
        for item in _pool(
            "Café Crème Mug/MUG-CC/1490|Merino Beanie – Größe M/BEA-M/2900|Linen Shirt/SHI-LN/5900|"
            "Trail Socks/SOC-3/1800|Ñandú Graphic Tee/TEE-NA/2500|Rain Jacket/JAC-RN/12900|"
            "Canvas Tote 👜/TOT-CV/1900|Wool Scarf/SCA-WL/3900|Sneakers “Åland”/SNK-AL/8900|"
            "Gift Card/GFT-25/2500|Water Bottle/BOT-WT/2200"
        )
    )
)
EXTENSION_REASONS = (
    "Complex request: order history spans several years and two sales channels.",
    "High number of requests received this month; we need more time to respond fully.",
    "Paper invoices must be retrieved from the warehouse archive.",
)
REJECTION_TEXTS = {
    RejectionCode.DUPLICATE: "Same request already answered on the customer's earlier ticket.",
    RejectionCode.MANIFESTLY_UNFOUNDED: "Request sent to harass staff; see correspondence.",
    RejectionCode.EXCESSIVE: "Fifth identical request within a month.",
    RejectionCode.NO_DATA_FOUND: "No customer, order or marketing record matches this email.",
    RejectionCode.OTHER: "Requester is acting for a company account, not a natural person.",
    RejectionCode.IDENTITY_NOT_VERIFIED: "Could not confirm the requester controls the email.",
}
NOTES = (
    "Customer called to ask about progress.",
    "Checked with the warehouse for offline records.",
    "Kundin bittet um Zusendung per E-Mail — erledigt ✅",
    "Le client a confirmé son adresse e-mail par téléphone.",
)
CANCEL_REASONS = ("Withdrawn by the customer.", "Opened twice by mistake; closed by staff.")


def customers_for(requests: int) -> int:
    """How many demo customers a run with `requests` requests seeds."""
    return min(MAX_CUSTOMERS, max(MIN_CUSTOMERS, requests // REQUESTS_PER_CUSTOMER))


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def seed_demo(
    db: Database,
    *,
    requests: int,
    seed: int = 7,
    progress: bool = True,
    now: datetime | None = None,
    chunk_size: int = CHUNK_REQUESTS,
    parallel: bool | None = None,
) -> str:
    """Seed demo stores, store data and `requests` requests; return a one-line summary.

    Appends when requests exist already (ids and the audit chain continue). `now` pins the
    clock (default: the current time); `parallel` forces generation in a child process on or
    off (default: on from `PARALLEL_MIN_REQUESTS` requests).

    Raises:
        ValueError: `requests` or `chunk_size` is negative / not positive.
        RuntimeError: the audit chain moved while seeding (another writer appended events).
    """
    if requests < 0 or chunk_size < 1:
        raise ValueError("requests must be >= 0 and chunk_size >= 1")
    started = time.perf_counter()
    now = (now or utcnow()).astimezone(UTC)
    now_us = (now - EPOCH_UTC) // ONE_US
    stores = _ensure_stores(db, now)
    with _no_cycle_collector():
        store_rows = _ensure_store_data(db, stores, requests, seed, now_us, progress)
    guest_off = _ensure_setting_history(db, stores[0], now)
    plan = _plan(db, stores, requests, seed, now_us, chunk_size, guest_off)
    use_child = parallel if parallel is not None else requests >= PARALLEL_MIN_REQUESTS
    with _no_cycle_collector():
        events = _write_requests(db, plan, use_child and requests > 0, progress)
    if not db.is_sqlite and requests:
        # Ids were given explicitly: move the sequence past them for the ORM's next insert.
        with db.write_connection() as conn, conn.begin():
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('requests', 'id'), "
                "(SELECT COALESCE(MAX(id), 0) + 1 FROM requests), false)"
            )
            conn.exec_driver_sql(
                "ANALYZE requests, request_events, demo_customers, demo_orders, demo_line_items"
            )
    elapsed = time.perf_counter() - started
    rows = requests + events + sum(store_rows)
    customers, orders, items = store_rows
    backend = "SQLite" if db.is_sqlite else "PostgreSQL"
    return (
        f"seeded {requests:,} requests ({events:,} audit events), {customers:,} customers, "
        f"{orders:,} orders, {items:,} line items into {backend} in {elapsed:.1f} s "
        f"({rows / max(elapsed, 1e-9):,.0f} rows/s)"
    )


@contextmanager
def _no_cycle_collector() -> Iterator[None]:
    """Pause the cyclic GC: bulk rows are millions of acyclic tuples and dicts that it would
    scan again and again (about a quarter of the generation time); the state is restored."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --------------------------------------------------------------------------------------------
# Stores and setting history (few rows: ORM)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _StoreRef:
    id: int
    spec: StoreSpec


def _ensure_stores(db: Database, now: datetime) -> list[_StoreRef]:
    refs = []
    with db.write() as session:
        for spec in STORES:
            store = session.scalar(select(Store).where(Store.shop_domain == spec.domain))
            if store is None:
                store = Store(
                    shop_domain=spec.domain,
                    name=spec.name,
                    default_regime=spec.default_regime,
                    country=spec.country,
                    contact_email=spec.contact_email,
                    timezone=spec.timezone,
                    created_at=now - timedelta(days=HISTORY_DAYS + 30),
                )
                session.add(store)
                session.flush()
            refs.append(_StoreRef(store.id, spec))
    return refs


def _ensure_setting_history(db: Database, store: _StoreRef, now: datetime) -> list[tuple[int, int]]:
    """Guest support switched off and on again in the past (once); its off windows in µs."""
    key, actor = "guest_support", store.spec.staff[0]
    with db.write() as session:
        if session.scalar(select(func.count()).where(SettingChange.key == key)) == 0:
            day = (now - timedelta(days=301)).replace(hour=7, minute=12, second=0, microsecond=0)
            off, on = day, day + timedelta(days=14, hours=8, minutes=28)
            for at, before, after in ((off, True, False), (on, False, True)):
                session.add(
                    SettingChange(
                        key=key,
                        actor=actor,
                        at=at,
                        before=json.dumps(before),
                        after=json.dumps(after),
                    )
                )
                append_event(
                    session,
                    actor=actor,
                    kind=EventKind.SETTING,
                    at=at,
                    details={"key": key, "before": before, "after": after},
                )
            if session.get(Setting, key) is None:
                session.add(
                    Setting(key=key, value=json.dumps(True), updated_at=on, updated_by=actor)
                )
        changes = session.execute(
            select(SettingChange.at, SettingChange.after)
            .where(SettingChange.key == key)
            .order_by(SettingChange.at, SettingChange.id)
        ).all()
    windows, off_since = [], None
    for at, after in changes:
        at_us = (at - EPOCH_UTC) // ONE_US
        if json.loads(after) is False and off_since is None:
            off_since = at_us
        elif json.loads(after) is True and off_since is not None:
            windows.append((off_since, at_us))
            off_since = None
    if off_since is not None:
        windows.append((off_since, 2**62))
    return windows


# --------------------------------------------------------------------------------------------
# Demo store data: customers, orders, line items
# --------------------------------------------------------------------------------------------

CUSTOMER_COLUMNS = _words(
    "id shop_domain first_name last_name email phone country province city address1 zip "
    "tags note accepts_marketing locale created_at"
)
ORDER_COLUMNS = _words(
    "id customer_id name created_at financial_status fulfillment_status currency "
    "total_price shipping_city shipping_address1 shipping_zip shipping_country"
)
LINE_ITEM_COLUMNS = ("id", "order_id", "title", "sku", "quantity", "price")
REQUEST_COLUMNS = _words(
    "id reference store_id type channel status regime country subdivision email name "
    "customer_id received_at verified_at responded_at closed_at due_on legal_due_on "
    "extended_due_on extended_at extension_reason confirm_by_on target_on paused_days "
    "paused_since rejection_code rejection_text shopify_request_id orders_requested "
    "contract_due_on"
)
EVENT_COLUMNS = _words(
    "seq request_id at actor kind from_status to_status reason details prev_hash hash"
)


def _slug(value: str) -> str:
    value = value.replace("ß", "ss").replace("ł", "l").replace("Ł", "L").replace("ø", "o")
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


def _zip_code(country: str, rnd: random.Random) -> str:
    d = rnd.randrange
    formats = {
        "IE": f"D{d(1, 25):02d} X{d(100, 999)}",
        "NL": f"{d(1000, 9999)} {rnd.choice('ABKLMX')}Z",
        "PL": f"{d(10, 99)}-{d(100, 999)}",
        "SE": f"{d(100, 999)} {d(10, 99)}",
        "GB": f"SW{d(1, 20)} {d(1, 9)}AA",
        "BR": f"{d(10000, 99999)}-{d(100, 999)}",
        "CA": f"H{d(1, 9)}A {d(1, 9)}B{d(1, 9)}",
        "AU": f"{d(2000, 7999)}",
        "JP": f"{d(100, 999)}-{d(1000, 9999)}",
    }
    return formats.get(country, f"{d(10000, 99999)}")


def _ensure_store_data(
    db: Database, stores: list[_StoreRef], requests: int, seed: int, now_us: int, progress: bool
) -> tuple[int, int, int]:
    """Seed customers, orders and line items unless the demo shops have customers already."""
    domains = [ref.spec.domain for ref in stores]
    with db.read() as session:
        existing = session.scalar(
            select(func.count())
            .select_from(DemoCustomer)
            .where(DemoCustomer.shop_domain.in_(domains))
        )
        next_ids = {
            "customer": session.scalar(select(func.max(DemoCustomer.id))),
            "order": session.scalar(select(func.max(DemoOrder.id))),
            "line_item": session.scalar(text("SELECT MAX(id) FROM demo_line_items")),
        }
    if existing:
        return 0, 0, 0
    ids = {k: max(first, (next_ids[k] or 0) + 1) for k, first in SHOPIFY_IDS.items()}
    if progress:
        print(f"seeding the demo store: {customers_for(requests):,} customers …", file=sys.stderr)
    customers, orders, items = _store_rows(
        customers_for(requests), seed, now_us, ids, "" if db.is_sqlite else "+00"
    )
    with db.write_connection() as conn, conn.begin():
        _insert(conn, "demo_customers", CUSTOMER_COLUMNS, customers)
        _insert(conn, "demo_orders", ORDER_COLUMNS, orders)
        _insert(conn, "demo_line_items", LINE_ITEM_COLUMNS, items)
    return len(customers), len(orders), len(items)


def _store_rows(
    count: int, seed: int, now_us: int, ids: dict[str, int], suffix: str
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    rnd = random.Random(f"demo-store/{seed}")
    rng = np.random.default_rng([seed, 0xC0FFEE])
    emails: set[str] = set()
    customers, created = [], []
    for index in range(count):
        spec = STORES[0] if index == 0 or rnd.random() < STORES[0].share else STORES[1]
        country, province, _w = rnd.choices(spec.countries, [c[2] for c in spec.countries])[0]
        place = WORLD[country]
        if index == 0:
            first, last, country, province = "Hedwig", "Käufer", "DE", None
        elif index <= len(SPECIAL_NAMES):  # each at least once, whatever the size
            first, last = SPECIAL_NAMES[index - 1]
        elif rnd.random() < 0.04:
            first, last = rnd.choice(SPECIAL_NAMES)
        else:
            first, last = rnd.choice(place.first_names), rnd.choice(place.last_names)
        if index == 0:
            email = HEAVY_EMAIL
        else:
            local = ".".join(p for p in (_slug(first), _slug(last)) if p) or "customer"
            domain = rnd.choice(EMAIL_DOMAINS)
            email = f"{local}@{domain}"
            while email in emails:
                email = f"{local}{rnd.randrange(1, 10_000)}@{domain}"
        emails.add(email)
        place = WORLD[country]
        cities = [c for c in place.cities if province is None or c[1] == province]
        city, city_province = rnd.choice(cities or place.cities)
        since = now_us - rnd.randrange(30 * DAY, 6 * 365 * DAY)
        number = f"{place.phone} {rnd.randrange(1_000_000, 9_999_999)}"
        phone = None if rnd.random() < 0.12 else number
        tags = rnd.choice(("", "", "", "vip", "newsletter", "wholesale", "vip, newsletter"))
        note = rnd.choice(
            (None,) * 12
            + ("Bitte klingeln 🔔", "Leave at the back door", "Prefers contact by phone")
        )
        street = f"{rnd.choice(place.streets)} {rnd.randrange(1, 200)}"
        customers.append(
            (ids["customer"] + index, spec.domain, first, last, email, phone, country,
             province or city_province, city, street, _zip_code(country, rnd), tags, note,
             rnd.random() < 0.4, place.locale, _fmt(since) + suffix)
        )  # fmt: skip
        created.append(since)
    # Orders: most customers 0-30, a few heavy ones, the heavy buyer exactly HEAVY_ORDERS.
    counts = np.where(rng.random(count) < 0.2, 0, np.minimum(rng.geometric(0.2, count), 30))
    heavy = rng.choice(np.arange(1, count), size=min(4, count - 1), replace=False)
    counts[heavy] = rng.integers(120, 400, len(heavy))
    counts[0] = HEAVY_ORDERS
    owner = np.repeat(np.arange(count), counts)
    since = np.asarray(created, dtype=np.int64)[owner]
    at = since + (rng.random(len(owner)) * (now_us - MINUTE - since)).astype(np.int64)
    order = np.lexsort((owner, at))  # ids and names follow time, as in a shop
    owner, at = owner[order], at[order]
    items_per = rng.integers(1, 6, len(owner))
    item_order = np.repeat(np.arange(len(owner)), items_per)
    product = rng.integers(0, len(PRODUCTS), len(item_order))
    qty = rng.choice([1, 1, 1, 2, 2, 3], len(item_order))
    base_cents = np.asarray([p[2] for p in PRODUCTS])[product]
    cents = (base_cents * rng.choice([1.0, 1.0, 0.9, 0.8], len(item_order))).astype(np.int64)
    totals = np.bincount(item_order, weights=qty * cents, minlength=len(owner)).astype(np.int64)
    totals += rng.choice([0, 490, 990], len(owner))
    financial = rng.choice(
        ["paid"] * 17 + ["refunded", "partially_refunded", "pending"], len(owner)
    ).tolist()
    fulfillment = rng.choice(["fulfilled"] * 8 + ["unfulfilled", "partial"], len(owner)).tolist()
    names: dict[str, int] = {}
    orders = []
    for k, (who, when, total) in enumerate(
        zip(owner.tolist(), at.tolist(), totals.tolist(), strict=True)
    ):
        cust = customers[who]
        shop = cust[1]
        names[shop] = names.get(shop, 1000) + 1
        orders.append(
            (ids["order"] + k, cust[0], f"#{names[shop]}", _fmt(when) + suffix, financial[k],
             fulfillment[k], WORLD[cust[6]].currency, f"{total / 100:.2f}", cust[8], cust[9],
             cust[10], cust[6])
        )  # fmt: skip
    items = [
        (ids["line_item"] + k, ids["order"] + o, PRODUCTS[p][0], f"{PRODUCTS[p][1]}-{p:02d}", q,
         f"{c / 100:.2f}")
        for k, (o, p, q, c) in enumerate(
            zip(item_order.tolist(), product.tolist(), qty.tolist(), cents.tolist(), strict=True)
        )
    ]  # fmt: skip
    return customers, orders, items


# --------------------------------------------------------------------------------------------
# Request plan (picklable: it crosses into the child process)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _StorePlan:
    id: int
    timezone: str
    default_regime: str
    staff: tuple[str, ...]
    countries: tuple[tuple[str, str | None, float], ...]
    customers: tuple[tuple[str, str, str, str | None, str], ...]
    """(customer id, email, name, province, country) of the store's demo customers."""
    latest_orders: tuple[str, ...]
    """JSON list of each customer's three latest order ids (for webhook requests)."""


@dataclass(frozen=True, slots=True)
class _Plan:
    seed: int
    count: int
    first_id: int
    now_us: int
    seq: int
    prev_hash: str
    chunk_size: int
    suffix: str
    stores: tuple[_StorePlan, ...]
    guest_off: tuple[tuple[int, int], ...]


@dataclass(slots=True)
class _Chunk:
    requests: list[list[Any]]
    events: list[tuple[Any, ...]]
    prev_seq: int
    prev_hash: str
    last_seq: int
    last_hash: str


def _plan(
    db: Database,
    stores: list[_StoreRef],
    count: int,
    seed: int,
    now_us: int,
    chunk_size: int,
    guest_off: list[tuple[int, int]],
) -> _Plan:
    plans = []
    with db.read() as session:
        head = session.execute(
            text("SELECT seq, hash FROM audit_head WHERE id = :id"), {"id": HEAD_ID}
        ).one()
        last_id = session.scalar(select(func.max(Request.id))) or 0
        latest: dict[int, list[int]] = {}
        rows = session.execute(
            text(
                "SELECT customer_id, id FROM demo_orders "
                "ORDER BY customer_id, created_at DESC, id DESC"
            )
        )
        for customer_id, order_id in rows:
            ids = latest.setdefault(customer_id, [])
            if len(ids) < 3:
                ids.append(order_id)
        for ref in stores:
            customers = session.execute(
                select(
                    DemoCustomer.id,
                    DemoCustomer.email,
                    DemoCustomer.first_name,
                    DemoCustomer.last_name,
                    DemoCustomer.province,
                    DemoCustomer.country,
                )
                .where(DemoCustomer.shop_domain == ref.spec.domain)
                .order_by(DemoCustomer.id)
            ).all()
            plans.append(
                _StorePlan(
                    id=ref.id,
                    timezone=ref.spec.timezone,
                    default_regime=ref.spec.default_regime,
                    staff=ref.spec.staff,
                    countries=ref.spec.countries,
                    customers=tuple(
                        (
                            str(c.id),
                            c.email.lower(),
                            f"{c.first_name} {c.last_name}",
                            c.province,
                            c.country,
                        )
                        for c in customers
                    ),
                    latest_orders=tuple(json.dumps(latest.get(c.id, [])) for c in customers),
                )
            )
    return _Plan(
        seed=seed,
        count=count,
        first_id=last_id + 1,
        now_us=now_us,
        seq=head.seq,
        prev_hash=head.hash,
        chunk_size=chunk_size,
        suffix="" if db.is_sqlite else "+00",
        stores=tuple(plans),
        guest_off=tuple(guest_off),
    )


# --------------------------------------------------------------------------------------------
# Request generation
# --------------------------------------------------------------------------------------------

S = Status
_RECEIVED, _PENDING, _VERIFIED = S.RECEIVED.value, S.PENDING_VERIFICATION.value, S.VERIFIED.value
_IN_PROGRESS, _READY, _DELIVERED = S.IN_PROGRESS.value, S.READY_FOR_REVIEW.value, S.DELIVERED.value
_COMPLETED, _REJECTED, _CANCELED, _EXPIRED = "completed", "rejected", "canceled", "expired"
_ALLOWED = {str(k): {str(v) for v in vs} for k, vs in TRANSITIONS.items()}
_TERMINAL = frozenset(k for k, vs in _ALLOWED.items() if not vs)
_FIRST = {str(k): str(v) for k, v in FIRST_STATUS.items()}
_TRANSITION, _EXTENDED, _NOTE = "transition", "extended", "note"
_RESPONDED = (_DELIVERED, _REJECTED)

# Cumulative weights: a uniform draw u picks the first entry whose bound exceeds it.
_CHANNELS = (("logged_in", 0.48), ("guest", 0.82), ("staff", 0.97), ("webhook", 1.0))
_TYPES = (("access", 0.72), ("erasure", 0.86), ("correction", 0.92), ("opt_out", 1.0))
_WEBHOOK_TYPES = (("access", 0.55), ("erasure", 1.0))  # customers/data_request, /redact
_REJECT_CODES = (
    ("duplicate", 0.40), ("manifestly_unfounded", 0.60), ("excessive", 0.75),
    ("no_data_found", 0.85), ("other", 1.0),
)  # fmt: skip
_TEXTS = {str(k): v for k, v in REJECTION_TEXTS.items()}
assert {c for c, _w in _REJECT_CODES} <= set(_TEXTS)
assert {c for c, _w in _CHANNELS} == set(_FIRST)

# Shares of the outcomes (of the requests that reach each point).
P_UNKNOWN_GUEST = 0.10  # guest email the shop does not know
P_NEVER_VERIFIED = 0.15  # guest never clicks the link → expired (or rejected, 1 in 10)
P_LATE = 0.08
P_EXTENDED = 0.055  # of requests whose regime allows an extension
P_CANCELED = 0.015
P_REJECTED = 0.025  # known customers; unknown emails: half are rejected as no data found
P_FAILED_EXPORT = 0.02
P_DOWNLOADED = 0.75  # else the link expires and the system completes the request
P_NOTE = 0.03

Step = tuple[int, str, str, str | None, Any]
"""A planned transition: (at µs, actor, to status, reason, details)."""
Event = tuple[int, str, str, str | None, str | None, str | None, Any]
"""An audit event: (at µs, actor, kind, from status, to status, reason, details)."""


def _pick(table: tuple[tuple[str, float], ...], u: float) -> str:
    for value, bound in table:
        if u < bound:
            return value
    return table[-1][0]


def _fmt(us: int) -> str:
    """UTC text in SQLAlchemy's SQLite format ('YYYY-MM-DD HH:MM:SS.ffffff', no offset)."""
    return _iso(EPOCH_UTC + timedelta(microseconds=us))


def _iso(value: datetime) -> str:
    """The same for a UTC datetime (aware or naive)."""
    text_value = value.isoformat(" ")
    return text_value[:26] if value.microsecond else text_value[:19] + ".000000"


def _texts(instants: list[int], suffix: str) -> list[str]:
    """_fmt for many instants at once (numpy formats in C), plus the backend's suffix."""
    texts = np.datetime_as_string(np.array(instants, dtype="datetime64[us]")).tolist()
    return [t.replace("T", " ", 1) + suffix for t in texts]


_ROW_INSTANTS = tuple(
    REQUEST_COLUMNS.index(c)
    for c in ("received_at", "verified_at", "responded_at", "closed_at", "extended_at")
)
"""Positions of the instants in a request row (µs until chunk() formats them)."""
_EVENT_ROW = itemgetter(
    "seq", "request_id", "at_text", "actor", "kind", "from_status", "to_status", "reason",
    "details_text", "prev_hash", "hash",
)  # fmt: skip
"""A sealed event dict → its row in EVENT_COLUMNS order."""


def _expo(u: float, mean: int) -> int:
    return int(-math.log(1.0 - u) * mean)


def _at(event: Event) -> int:
    return event[0]


class _Calendar:
    """Per-store local days and local wall-clock instants, and cached deadlines."""

    def __init__(self, store: _StorePlan) -> None:
        self.zone = ZoneInfo(store.timezone)
        self._days: dict[int, date] = {}
        self._deadlines: dict[tuple[str, date, str | None, str | None], _Due] = {}

    def day(self, us: int) -> date:
        """Local calendar day of an instant (offsets here change on whole UTC hours)."""
        hour = us // HOUR
        found = self._days.get(hour)
        if found is None:
            utc = EPOCH_UTC + timedelta(hours=hour)
            found = self._days[hour] = utc.astimezone(self.zone).date()
        return found

    def at(self, day: date, hour: int) -> int:
        """The instant (µs) of a local wall-clock hour on `day`."""
        return (
            datetime(day.year, day.month, day.day, hour, tzinfo=self.zone) - EPOCH_UTC
        ) // ONE_US

    def deadline(self, regime: str, day: date, country: str | None, sub: str | None) -> _Due:
        """compute_deadline, cached per (regime, received day, country, subdivision)."""
        key = (regime, day, country, sub)
        found = self._deadlines.get(key)
        if found is None:
            d = compute_deadline(regime, day, country, subdivision=sub)
            ext = d.extended_due
            found = self._deadlines[key] = _Due(
                due=d.due.isoformat(),
                target=d.target.isoformat(),
                confirm_by=d.confirm_by.isoformat() if d.confirm_by else None,
                extended=ext.isoformat() if ext else None,
                due_close=self.at(d.due, 17),
                due_late=self.at(d.due + timedelta(days=1), 9),
                ext_close=self.at(ext, 17) if ext else 0,
                ext_late=self.at(ext + timedelta(days=1), 9) if ext else 0,
                contract=(day + timedelta(days=30)).isoformat(),
            )
        return found


@dataclass(frozen=True, slots=True)
class _Due:
    """A deadline as the generator needs it: ISO dates, and local 17:00 / next-day 09:00."""

    due: str
    target: str
    confirm_by: str | None
    extended: str | None
    due_close: int
    due_late: int
    ext_close: int
    ext_late: int
    contract: str


class _Factory:
    """Turns a plan into chunks of request rows and sealed event rows (deterministically)."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        self.calendars = [_Calendar(store) for store in plan.stores]
        self.regimes: dict[tuple[str | None, str | None, str], str] = {}
        self.off_starts = [w[0] for w in plan.guest_off]

    def chunks(self) -> Iterator[_Chunk]:
        """Every chunk in id order; the received instants are drawn once for the whole run."""
        plan = self.plan
        rng = np.random.default_rng([plan.seed, plan.first_id, 0x5EED])
        # Density grows 3x over the period (more requests lately); ids follow received time.
        t = -0.5 + np.sqrt(0.25 + 2.0 * rng.random(plan.count))
        span = HISTORY_DAYS * DAY - 2 * MINUTE
        received = np.sort(plan.now_us - MINUTE - ((1.0 - t) * span).astype(np.int64))
        seq, prev = plan.seq, plan.prev_hash
        for index, start in enumerate(range(0, plan.count, plan.chunk_size)):
            part = received[start : start + plan.chunk_size].tolist()
            chunk = self.chunk(index, plan.first_id + start, part, seq, prev)
            seq, prev = chunk.last_seq, chunk.last_hash
            yield chunk
            del chunk  # one chunk alive at a time: the caller drops its reference too

    def chunk(
        self, index: int, first_id: int, received: list[int], seq: int, prev_hash: str
    ) -> _Chunk:
        """Requests `first_id`… received at `received`, events sealed from (seq, prev_hash)."""
        plan, n = self.plan, len(received)
        rng = np.random.default_rng([plan.seed, plan.first_id, index + 1])
        uniforms = rng.random((n, 24)).tolist()
        slow = rng.beta(2.8, 1.4, n).tolist()
        verify = rng.lognormal(math.log(25 * MINUTE), 1.7, n).tolist()
        stories = [
            self.request(first_id + i, received[i], uniforms[i], slow[i], verify[i])
            for i in range(n)
        ]
        texts = iter(_texts([e[0] for _row, story in stories for e in story], plan.suffix))

        def events() -> Iterator[dict[str, Any]]:  # one at a time: the dicts are transient
            for row, story in stories:
                rid = row[0]
                for at, actor, kind, frm, to, reason, details in story:
                    yield {
                        "request_id": rid, "at": EPOCH_UTC + timedelta(microseconds=at),
                        "actor": actor, "kind": kind, "from_status": frm, "to_status": to,
                        "reason": reason, "details": details, "at_text": next(texts),
                        "details_text": "null" if details is None else json.dumps(details),
                    }  # fmt: skip

        sealed = list(map(_EVENT_ROW, seal(events(), seq, prev_hash)))
        requests = [row for row, _story in stories]
        slots = [(row, k) for row in requests for k in _ROW_INSTANTS if row[k] is not None]
        for (row, k), at_text in zip(
            slots, _texts([row[k] for row, k in slots], plan.suffix), strict=True
        ):
            row[k] = at_text
        last_seq, last_hash = (sealed[-1][0], sealed[-1][10]) if sealed else (seq, prev_hash)
        return _Chunk(requests, sealed, seq, prev_hash, last_seq, last_hash)

    def _guest_blocked(self, at: int) -> bool:
        k = bisect_right(self.off_starts, at) - 1
        return k >= 0 and at < self.plan.guest_off[k][1]

    def _regime(self, country: str | None, subdivision: str | None, default: str) -> str:
        key = (country, subdivision, default)
        found = self.regimes.get(key)
        if found is None:
            found = self.regimes[key] = str(regime_for(country, subdivision, default))
        return found

    def request(
        self, rid: int, t0: int, u: list[float], slow: float, verify_delay: float
    ) -> tuple[list[Any], list[Event]]:
        """One request row and its events. `u` holds 24 uniform draws, used by position."""
        plan = self.plan
        store_index = 0 if u[0] < STORES[0].share else 1
        store, cal = plan.stores[store_index], self.calendars[store_index]
        staff = store.staff[int(u[22] * len(store.staff))]
        channel = _pick(_CHANNELS, u[1])
        if channel == "guest" and self._guest_blocked(t0):
            channel = "logged_in"  # guest support was switched off then
        kind = _pick(_WEBHOOK_TYPES if channel == "webhook" else _TYPES, u[2])
        # Who: a demo customer of the store, or (some guests) an email the shop does not know.
        unknown = (channel == "guest" and u[3] < P_UNKNOWN_GUEST) or not store.customers
        if unknown:
            country, sub, _w = store.countries[int(u[4] * len(store.countries))]
            email, name, customer_id, orders = f"visitor.{rid}@example.org", None, None, "null"
        else:
            pick = int(u[4] * len(store.customers))
            customer_id, email, name, sub, country = store.customers[pick]
            webhook_access = channel == "webhook" and kind == "access"
            orders = store.latest_orders[pick] if webhook_access else "null"
        regime = self._regime(country, sub, store.default_regime)
        due = cal.deadline(regime, cal.day(t0), country, sub)
        creator = {"logged_in": CUSTOMER_ACTOR, "guest": CUSTOMER_ACTOR,
                   "webhook": SHOPIFY_ACTOR}.get(channel, staff)  # fmt: skip

        steps, side = self._story(t0, channel, kind, unknown, due, cal, creator, staff, u, slow,
                                  verify_delay)  # fmt: skip
        created: Event = (t0, creator, _TRANSITION, None, _RECEIVED, None,
                          {"channel": channel, "type": kind, "regime": regime})  # fmt: skip
        timeline, status, verified, responded, closed = _replay(created, steps, plan.now_us)
        end = closed or plan.now_us
        if u[23] < P_NOTE:
            note = NOTES[int(u[19] * len(NOTES))]
            side.append((t0 + int((end - t0) * u[21]), staff, _NOTE, None, None, note, None))
        extended = None
        for event in side:  # an extension only while the request is open
            if event[0] <= end and not (event[2] == _EXTENDED and closed and event[0] >= closed):
                timeline.append(event)
                extended = event if event[2] == _EXTENDED else extended
        if side:
            timeline.sort(key=_at)
        rejected = timeline[-1] if status == _REJECTED else None
        if rejected is not None and rejected[4] != _REJECTED:  # a note sorted after it
            rejected = next(e for e in reversed(timeline) if e[4] == _REJECTED)
        row = [  # instants stay µs here; chunk() turns _ROW_INSTANTS into text in one go
            rid, make_reference(rid, EPOCH_UTC + timedelta(microseconds=t0)), store.id, kind,
            channel, status, regime, country, sub, email, name, customer_id, t0, verified,
            responded, closed,
            due.extended if extended else due.due, due.due, due.extended if extended else None,
            extended[0] if extended else None, extended[5] if extended else None,
            due.confirm_by, due.target, 0, None,
            rejected[5] if rejected else None, rejected[6]["text"] if rejected else None,
            str(9_000_000 + rid) if channel == "webhook" else None, orders,
            due.contract if channel == "webhook" else None,
        ]  # fmt: skip
        return row, timeline

    def _story(
        self, t0: int, channel: str, kind: str, unknown: bool, due: _Due, cal: _Calendar,
        creator: str, staff: str, u: list[float], slow: float, verify_delay: float,
    ) -> tuple[list[Step], list[Event]]:  # fmt: skip
        """The whole planned life of a request (it is cut at `now` later) and its side events."""
        first = _FIRST[channel]
        steps: list[Step] = [(t0, creator, first, None, None)]
        side: list[Event] = []
        verified = t0 if first == _VERIFIED else None
        if verified is None:  # a guest: verification link (72 h), or never
            delay = int(verify_delay) + 30 * SEC
            if u[5] < P_NEVER_VERIFIED or delay > LINK_HOURS * HOUR:
                if u[6] < 0.1:
                    code = RejectionCode.IDENTITY_NOT_VERIFIED.value
                    at = t0 + 3 * DAY + int(u[7] * 9 * DAY)
                    steps.append((at, staff, _REJECTED, code, {"text": _TEXTS[code]}))
                else:
                    at = t0 + EXPIRE_AFTER_DAYS * DAY + int(u[7] * HOUR)  # the hourly job
                    reason = f"not verified within {EXPIRE_AFTER_DAYS} days"
                    steps.append((at, SYSTEM_ACTOR, _EXPIRED, reason, None))
                return steps, side
            verified = t0 + delay
            steps.append((verified, CUSTOMER_ACTOR, _VERIFIED, None, None))
        # When it is answered: mostly on time (local 17:00 on the due day at the latest).
        window = due.due_close - verified
        late = u[8] < P_LATE or window < HOUR
        if due.extended is not None and u[9] < P_EXTENDED and window > DAY:
            extend_at = verified + int(window * (0.35 + 0.6 * u[10]))
            notice = cal.day(extend_at).isoformat()
            details = {"previous_due": due.due, "extended_due": due.extended, "notice_on": notice}
            reason = EXTENSION_REASONS[int(u[21] * len(EXTENSION_REASONS))]
            side.append((extend_at, staff, _EXTENDED, None, None, reason, details))
            respond = (
                due.ext_late + _expo(u[11], 5 * DAY) if late
                else due.due_close + int((due.ext_close - due.due_close) * slow)
            )  # fmt: skip
        elif late:
            respond = due.due_late + min(_expo(u[11], 6 * DAY), 40 * DAY)
        elif kind == "opt_out":  # quick to honour
            respond = verified + 5 * MINUTE + min(_expo(u[11], 36 * HOUR), int(window * 0.8))
        else:
            respond = verified + max(5 * MINUTE, int(window * slow))
        gap = respond - verified
        if kind == "access":
            steps += self._export(verified, respond, gap, staff, u)
        elif kind in ("erasure", "correction"):
            start = verified + min(_expo(u[12], DAY), int(gap * 0.4))
            steps += [(start, staff, _IN_PROGRESS, None, None),
                      (respond, staff, _COMPLETED, None, None)]  # fmt: skip
        else:
            steps.append((respond, staff, _COMPLETED, None, None))
        # Side exits cut the story short, before the delivery (`gap` is at least 5 minutes).
        cut: Step | None = None
        if u[18] < P_CANCELED:
            by_customer = u[20] < 0.7
            cut = (verified + MINUTE + int(gap * 0.8 * u[19]),
                   CUSTOMER_ACTOR if by_customer else staff, _CANCELED,
                   CANCEL_REASONS[0 if by_customer else 1], None)  # fmt: skip
        elif (unknown and u[18] < 0.5) or (not unknown and u[18] > 1 - P_REJECTED):
            code = "no_data_found" if unknown else _pick(_REJECT_CODES, u[19])
            at = verified + MINUTE + int(min(gap, max(window, 0)) * 0.8 * u[20])
            cut = (at, staff, _REJECTED, code, {"text": _TEXTS[code]})
        if cut is not None:
            steps = [s for s in steps if s[0] < cut[0]]
            steps.append(cut)
        return steps, side

    @staticmethod
    def _export(verified: int, respond: int, gap: int, staff: str, u: list[float]) -> list[Step]:
        """Access: export job, package ready for review, delivered link, downloaded (or not)."""
        steps: list[Step] = []
        start = verified + min(_expo(u[12], 14 * HOUR), int(gap * 0.35))
        if u[13] < P_FAILED_EXPORT and gap > 6 * HOUR:  # handed back, then retried
            failed = start + 2 * MINUTE + int(u[14] * 20 * MINUTE)
            steps += [(start, staff, _IN_PROGRESS, None, None),
                      (failed, SYSTEM_ACTOR, _VERIFIED, "export failed: store API timed out",
                       None)]  # fmt: skip
            start = failed + min(_expo(u[14], 2 * HOUR), (respond - failed) // 3)
        built = start + MINUTE + min(_expo(u[15], 20 * MINUTE), (respond - start) // 3)
        steps += [(start, staff, _IN_PROGRESS, None, None),
                  (built, SYSTEM_ACTOR, _READY, None, None),
                  (respond, staff, _DELIVERED, None, None)]  # fmt: skip
        if u[16] < P_DOWNLOADED:
            steps.append((respond + 5 * MINUTE + _expo(u[17], 16 * HOUR), CUSTOMER_ACTOR,
                          _COMPLETED, None, None))  # fmt: skip
        else:
            steps.append((respond + DOWNLOAD_DAYS * DAY + int(u[17] * HOUR), SYSTEM_ACTOR,
                          _COMPLETED, "download link expired", None))  # fmt: skip
        return steps


def _replay(
    created: Event, steps: list[Step], now: int
) -> tuple[list[Event], str, int | None, int | None, int | None]:
    """Apply the steps up to `now` as lifecycle.transition would: events and timestamps.

    Returns (events, status, verified_at, responded_at, closed_at). Times are made
    non-decreasing; every move is checked against TRANSITIONS.
    """
    status, last_at = _RECEIVED, created[0]
    timeline = [created]
    verified = responded = closed = None
    for at, actor, to, reason, details in steps:
        if at < last_at:
            at = last_at
        if at > now:
            break
        if to not in _ALLOWED[status]:
            raise AssertionError(f"demo story makes an illegal move {status} -> {to}")
        timeline.append((at, actor, _TRANSITION, status, to, reason, details))
        status, last_at = to, at
        if to == _VERIFIED and verified is None:
            verified = at
        if responded is None and (to in _RESPONDED or to == _COMPLETED):
            responded = at
        if to in _TERMINAL:
            closed = at
    return timeline, status, verified, responded, closed


# --------------------------------------------------------------------------------------------
# Writing: executemany (SQLite) / COPY (PostgreSQL), one transaction per chunk
# --------------------------------------------------------------------------------------------


def _insert(
    conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Bulk insert rows (values already in the database's text forms) into `table`."""
    if not rows:
        return
    raw = conn.connection.driver_connection
    names = ", ".join(columns)
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" * len(columns))
        raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
        return
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _write_requests(db: Database, plan: _Plan, use_child: bool, progress: bool) -> int:
    """Insert every chunk in its own transaction, moving audit_head with it; count events.

    Raises:
        RuntimeError: the chain's tip is not where the chunk continues from (another writer),
            or the generator process failed.
    """
    events = 0
    bar = tqdm(total=plan.count, unit="req", unit_scale=True, desc="requests",
               disable=not progress, smoothing=0.1)  # fmt: skip
    source = _from_child(plan) if use_child else _Factory(plan).chunks()
    read_head = text("SELECT seq, hash FROM audit_head WHERE id = :id")
    if not db.is_sqlite:  # SQLite: BEGIN IMMEDIATE already holds the write lock
        read_head = text("SELECT seq, hash FROM audit_head WHERE id = :id FOR UPDATE")
    move_head = text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = :id")
    try:
        with db.write_connection() as conn:
            raw = conn.connection.driver_connection
            cache = raw.execute("PRAGMA cache_size").fetchone()[0] if db.is_sqlite else None
            if cache is not None:
                raw.execute("PRAGMA cache_size=-65536")  # 64 MiB while loading (indexes)
            try:
                for chunk in source:
                    with conn.begin():
                        head = tuple(conn.execute(read_head, {"id": HEAD_ID}).one())
                        if head != (chunk.prev_seq, chunk.prev_hash):
                            raise RuntimeError(
                                f"the audit chain moved while seeding (expected event "
                                f"{chunk.prev_seq}, found {head[0]}): another process appended "
                                "events; seed while nothing else writes"
                            )
                        _insert(conn, "requests", REQUEST_COLUMNS, chunk.requests)
                        _insert(conn, "request_events", EVENT_COLUMNS, chunk.events)
                        conn.execute(move_head, {"seq": chunk.last_seq, "hash": chunk.last_hash,
                                                 "id": HEAD_ID})  # fmt: skip
                    events += len(chunk.events)
                    bar.update(len(chunk.requests))
                    del chunk  # before the next one is read
            finally:
                if cache is not None:
                    raw.execute(f"PRAGMA cache_size={int(cache)}")
    finally:
        bar.close()
        close = getattr(source, "close", None)
        if close is not None:
            close()
    return events


# --------------------------------------------------------------------------------------------
# Child process: generation and hashing run there while the parent writes
# --------------------------------------------------------------------------------------------


_CHILD_CODE = "from lib.core.demo import _child_main; _child_main()"
_FRAME = 8  # bytes of the little-endian length before each marshal payload


def _send(out: BinaryIO, message: tuple[Any, ...]) -> None:
    payload = marshal.dumps(message)
    out.write(len(payload).to_bytes(_FRAME, "little"))
    out.write(payload)
    out.flush()


def _child_main() -> None:
    """Generator process: a pickled plan on stdin, framed marshal chunks on stdout.

    A plain `python -c` child (not multiprocessing) so that no caller's `__main__` is re-run.
    """
    gc.disable()  # see _no_cycle_collector; this process ends after the run
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print cannot corrupt the stream
    plan = pickle.load(sys.stdin.buffer)  # noqa: S301 - our own parent wrote it
    try:
        for c in _Factory(plan).chunks():
            _send(
                out,
                ("chunk", c.requests, c.events, c.prev_seq, c.prev_hash, c.last_seq, c.last_hash),
            )
            del c
        _send(out, ("done",))
    except BrokenPipeError:  # the parent stopped reading (it failed or was interrupted)
        raise SystemExit(1) from None
    except BaseException:
        _send(out, ("error", traceback.format_exc()))
        raise SystemExit(1) from None
    out.close()


def _from_child(plan: _Plan) -> Iterator[_Chunk]:
    """Run the generator in a child process and yield its chunks as they arrive."""
    path = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD_CODE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": path},
    )  # fmt: skip
    assert child.stdin is not None and child.stdout is not None
    try:
        pickle.dump(plan, child.stdin)
        child.stdin.close()
        while True:
            header = child.stdout.read(_FRAME)
            size = int.from_bytes(header, "little") if len(header) == _FRAME else -1
            payload = child.stdout.read(size) if size >= 0 else b""
            if size < 0 or len(payload) != size:
                raise RuntimeError(
                    f"the demo generator process ended early (exit code {child.wait()})"
                )
            message = marshal.loads(payload)  # noqa: S302 - our own child wrote it
            del payload
            if message[0] == "done":
                break
            if message[0] == "error":
                raise RuntimeError(f"the demo generator failed:\n{message[1]}")
            chunk = _Chunk(*message[1:])
            del message
            yield chunk
            del chunk
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
