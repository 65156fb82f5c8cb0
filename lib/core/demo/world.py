"""The demo world: the two shops, where their customers live, names, products, and the texts
staff write. Data only (plus the sizes derived from it); nothing here touches a database."""

from __future__ import annotations

from dataclasses import dataclass

from lib.core.enums import RejectionCode

HISTORY_DAYS = 730
"""Requests are spread over the last two years."""
MIN_CUSTOMERS, MAX_CUSTOMERS, REQUESTS_PER_CUSTOMER = 200, 20_000, 50
HEAVY_EMAIL = "heavy.buyer@example.com"
HEAVY_ORDERS = 5_000
SHOPIFY_IDS = {
    "customer": 7_000_000_000_001,
    "order": 5_000_000_000_001,
    "line_item": 14_000_000_000_001,
    "record": 22_000_000_000_001,
}
"""First ids, like Shopify's numeric ids (64-bit)."""
EXPIRE_AFTER_DAYS = 14  # settings: unverified_expiry_days
LINK_HOURS = 72  # settings: verify_link_hours
DOWNLOAD_DAYS = 7  # settings: download_link_days


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


def words(text: str) -> tuple[str, ...]:
    """'a b c' → ('a', 'b', 'c')."""
    return tuple(text.split())


def pool(text: str) -> tuple[str, ...]:
    """'a | b' → ('a', 'b')."""
    return tuple(item.strip() for item in text.split("|"))


def places(spec: str) -> tuple[tuple[str, str | None, float], ...]:
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
        places("DE:30 FR:12 IE:4 ES:8 IT:8 NL:7 PL:6 SE:4 GB:10 US-NY:2 US-CA:2 BR:2 CA-QC:2 "
                "AU:2 JP:1"),
    ),
    StoreSpec(
        "demo-us.myshopify.com", "Demo Goods US", "ccpa", "US", "America/Los_Angeles",
        "owner@demogoods.example", ("mike.chen@demogoods.example", "privacy@demogoods.example"),
        0.35,
        places("US-CA:36 US-VA:7 US-CO:6 US-TX:11 US-NY:10 US-WA:5 US-FL:5 CA-ON:5 CA-QC:3 "
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
class Country:
    """What a country's customers look like: names, places, phone prefix, locale, currency."""

    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    cities: tuple[tuple[str, str | None], ...]
    streets: tuple[str, ...]
    phone: str
    locale: str
    currency: str


def _world() -> dict[str, Country]:
    world = {}
    for line in _WORLD.strip().splitlines():
        code, first, last, cities, streets, phone, locale, currency = (
            part.strip() for part in line.split("|")
        )
        world[code] = Country(
            tuple(first.split(",")),
            tuple(last.split(",")),
            tuple((c.partition("/")[0], c.partition("/")[2] or None) for c in cities.split(",")),
            tuple(streets.split(",")),
            phone,
            locale,
            currency,
        )
    return world


WORLD: dict[str, Country] = _world()
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
        for item in pool(
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
