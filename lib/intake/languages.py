"""Which language the storefront page speaks, and the links of its language picker.

Shopify's app proxy forwards the visitor's query with `shop`, `logged_in_customer_id`,
`path_prefix`, `timestamp` and `signature`; it adds nothing that names the storefront's
language (docs/LANGUAGES.md). What does:

1. `locale` in the query: the page's language picker, or the Liquid fragment's own form, which
   posts `{{ request.locale.iso_code }}` (Shopify renders it in the storefront's language);
   Shopify signs it with the rest of the query, so it cannot be swapped on the way.
2. A language folder in front of the proxy path (`/fr/apps/privacy`) in `path_prefix`.
3. The browser's `Accept-Language`.
4. The shop's language (the `shop_language` setting).
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from fastapi import Request

from lib.core import i18n
from lib.core.config import Config
from lib.intake.links import signed_query
from lib.intake.proxy import STANDALONE, Storefront

LOCALE_PARAM = "locale"
LIQUID_LOCALE = "{{ request.locale.iso_code }}"
"""Filled in by Shopify when it renders the fragment: the storefront's current language."""


@dataclass(frozen=True, slots=True)
class LanguageChoice:
    """One entry of the picker."""

    lang: str
    name: str
    url: str
    current: bool


def path_locale(path_prefix: str, proxy_prefix: str) -> str | None:
    """The language folder in front of the proxy path (`/fr/apps/privacy` → `fr`), if any."""
    head, found, _ = path_prefix.rstrip("/").rpartition(proxy_prefix.rstrip("/"))
    return i18n.parse_locale(head.strip("/")) if found and head.strip("/") else None


def requested_locale(
    request: Request, sf: Storefront, config: Config, posted: str = ""
) -> str | None:
    """The language the storefront or the browser asks for (1-3 of the module docstring), or
    None when neither names one we have."""
    candidates = [
        request.query_params.get(LOCALE_PARAM),
        posted,
        path_locale(sf.path_prefix, config.app_proxy_prefix),
        *i18n.accept_language(request.headers.get("accept-language")),
    ]
    return next((found for raw in candidates if (found := i18n.parse_locale(raw))), None)


def page_locale(
    request: Request, sf: Storefront, config: Config, shop_language: str, posted: str = ""
) -> str:
    """The language to answer `request` in: the one asked for, else the shop's."""
    return requested_locale(request, sf, config, posted) or i18n.negotiate([], shop_language)


def picker(sf: Storefront, config: Config, current: str) -> list[LanguageChoice]:
    """A link per language that opens this page again in it.

    Through the proxy a relative `?locale=xx` is enough (Shopify signs what it forwards); on its
    own (`view=page`) the link carries a fresh signature for the same shop and customer.
    """
    choices = []
    for locale in i18n.languages():
        if sf.liquid:
            url = "?" + urllib.parse.urlencode({LOCALE_PARAM: locale})
        else:
            extra = {STANDALONE[0]: STANDALONE[1], LOCALE_PARAM: locale}
            query = signed_query(config, sf.shop, sf.customer_id, extra=extra)
            url = f"{config.app_proxy_prefix}?{query}"
        name = i18n.language_name(locale)
        choices.append(LanguageChoice(i18n.html_lang(locale), name, url, locale == current))
    return choices
