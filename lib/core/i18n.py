"""The customer's language: gettext catalogs (Babel), choosing a locale, formatting per locale.

Everything a customer reads (storefront page, mails, the package README) is English in the code
and translated through `lib/locale/<locale>/LC_MESSAGES/messages.po`. `make i18n-compile`
(which `make run` and `make test` run) writes the `.mo` files next to them; a catalog whose
`.mo` is missing or older than its `.po` is compiled in memory instead (Babel's own compiler,
a few milliseconds), so a run straight from a checkout can never read stale translations.

Locales are Babel identifiers (`de`, `pt_BR`); whatever arrives from outside (a query
parameter, `Accept-Language`, Shopify's `pt-BR`) goes through `parse_locale`, which answers only
with a locale that has a catalog, or None. Adding a language is adding its catalog
(`make i18n-init LANG=xx`, then translate it): text direction, names and formats come from
Babel's CLDR data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations
from jinja2 import BaseLoader, Environment

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "messages"
SOURCE_LOCALE = "en"
"""The language of the msgids; it has a catalog too, so that it is listed like the others."""
MAX_TAG_LENGTH = 35
"""Longer tags are refused before parsing (RFC 5646 tags in practice stay well below)."""
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}")
_BARE_LANGUAGE = {"pt": "pt_BR"}
"""A bare language whose catalogs are regional: CLDR's `pt` is Brazilian Portuguese."""


def N_(message: str) -> str:
    """Mark a constant for extraction; it is translated where it is shown."""
    return message


@cache
def languages() -> tuple[str, ...]:
    """The locales with a catalog, the source language first."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LOCALE, *(name for name in found if name != SOURCE_LOCALE))


def parse_locale(raw: str | None) -> str | None:
    """The catalog locale that `raw` (`de-AT`, `pt-br`, `fr`) asks for, or None.

    Region first (`pt-PT` → pt_PT), then the language alone (`de-AT` → de); malformed input
    (`../../etc`, 500 characters, `xx`) is None rather than an error.
    """
    if not raw or len(raw) > MAX_TAG_LENGTH or not _TAG.fullmatch(raw.strip()):
        return None
    parts = raw.strip().replace("-", "_").split("_")
    language = parts[0].lower()
    region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
    known = languages()
    if region and f"{language}_{region}" in known:
        return f"{language}_{region}"
    if language in known:
        return language
    regional = _BARE_LANGUAGE.get(language)
    return regional if regional in known else None


def accept_language(header: str | None) -> list[str]:
    """The tags of an `Accept-Language` header, most wanted first (q=0 left out)."""
    weighted: list[tuple[float, int, str]] = []
    for index, item in enumerate((header or "")[:1000].split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if _TAG.fullmatch(tag) and quality > 0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(candidates: Iterable[str | None], fallback: str | None = None) -> str:
    """The first candidate with a catalog, else `fallback`, else the source language."""
    for candidate in (*candidates, fallback):
        locale = parse_locale(candidate)
        if locale:
            return locale
    return SOURCE_LOCALE


@cache
def translations(locale: str) -> Translations:
    """The compiled catalog of `locale` (unknown locales get the source text)."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if locale not in languages() or not path.exists():
        return Translations()
    mo = path.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= path.stat().st_mtime:
        with mo.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def gettext(locale: str, message: str, **values: Any) -> str:
    """`message` in `locale`, with `%(name)s` placeholders filled from `values`."""
    text = translations(locale).gettext(message)
    return text % values if values else text


@cache
def babel_locale(locale: str) -> Locale:
    """Babel's Locale of a catalog locale."""
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(SOURCE_LOCALE)


def text_direction(locale: str) -> str:
    """`ltr` or `rtl`, for the `dir` attribute."""
    return babel_locale(locale).text_direction


def html_lang(locale: str) -> str:
    """The BCP 47 tag for `lang` attributes (`pt-BR`)."""
    return locale.replace("_", "-")


def language_name(locale: str) -> str:
    """The language's name in itself, as a language picker shows it (`Deutsch`, `Português
    (Brasil)`)."""
    name = babel_locale(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


def format_instant(value: datetime, locale: str) -> str:
    """An instant as the locale writes a date and time, in UTC (`11. Dezember 2026, 20:05 UTC`)."""
    where = babel_locale(locale)
    pattern = str(where.datetime_formats["long"])
    day = format_date(value.astimezone(UTC), "long", locale=where)
    time = format_time(value, "short", tzinfo=UTC, locale=where) + " UTC"
    return pattern.replace("{1}", day).replace("{0}", time)


def formatters(locale: str) -> dict[str, Callable[..., str]]:
    """Jinja filters that format per locale: `date`, `datetime`, `number`, `money`."""
    where = babel_locale(locale)

    def as_date(value: date | datetime, form: str = "long") -> str:
        return format_date(value, form, locale=where)

    def as_datetime(value: datetime) -> str:
        return format_instant(value, locale)

    def as_number(value: float | Decimal | int) -> str:
        return format_decimal(value, locale=where)

    def as_money(value: float | Decimal | str, currency: str) -> str:
        return format_currency(Decimal(str(value)), currency, locale=where)

    return {"date": as_date, "datetime": as_datetime, "number": as_number, "money": as_money}


def jinja_environment(
    locale: str,
    loader: BaseLoader,
    *,
    autoescape: bool | Callable[[str | None], bool],
    **options: Any,
) -> Environment:
    """A Jinja environment whose `{% trans %}`, `_()` and format filters speak `locale`.

    One environment per locale (callers cache them): the translations are installed on the
    environment, so a render never depends on state shared between threads.
    """
    env = Environment(
        loader=loader,
        autoescape=autoescape,  # noqa: S701 - each caller decides (HTML on, plain-text mail off)
        extensions=["jinja2.ext.i18n"],
        **options,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(formatters(locale))
    env.globals.update(locale=locale, lang=html_lang(locale), text_dir=text_direction(locale))
    return env
