"""Settings → Languages: the shop's language and the merchant's own texts, per language.

Both are merchant settings (`lib.core.settings`), saved through `actions.change_settings`, so
the role check, validation (plain text, length, known language) and audit are the usual ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lib.core import i18n, texts
from lib.core.db import Database
from lib.core.enums import RequestType
from lib.core.settings import get_setting
from lib.dashboard import actions
from lib.dashboard.roles import Actor
from lib.mail.notifications import TYPE_LABELS

SAMPLE_STORE = "your store"
"""The store name shown in a built-in text's preview (texts are shared by every store)."""


def languages() -> tuple[str, ...]:
    """The languages with a catalog, as the shop-language choice lists them."""
    return i18n.languages()


def language_label(locale: str) -> str:
    """`Deutsch (de)`: the name a speaker knows, with its code."""
    return f"{i18n.language_name(locale)} ({i18n.html_lang(locale)})"


def slot_label(key: str) -> str:
    """The merchant text's label (`Page: introduction`)."""
    return texts.SLOT_BY_KEY[key].label


def slot_keys() -> list[str]:
    """Every text a merchant may word themselves."""
    return [slot.key for slot in texts.SLOTS]


def built_in(key: str, locale: str) -> str:
    """The text customers get in `locale` while the merchant has none of their own."""
    what = i18n.gettext(locale, TYPE_LABELS[RequestType.ACCESS])
    return texts.default_text(key, locale, store=SAMPLE_STORE, what=what)


def own_text(settings: Mapping[str, Any], key: str, locale: str) -> str:
    """The merchant's text of `key` in `locale`, or "" when the built-in one is used."""
    own: str = (settings.get(key) or {}).get(locale, "")
    return own


def save_text(db: Database, actor: Actor, key: str, locale: str, text: str) -> bool:
    """Store the merchant's text of `key` in `locale` (empty: back to the built-in text); the
    other languages' texts are kept as stored now.

    Returns:
        Whether anything changed (an unchanged text writes no audit event).
    """
    with db.read() as session:
        overrides = {**get_setting(session, key), locale: text}
    return bool(actions.change_settings(db, actor, {key: overrides}))


def save_shop_language(db: Database, actor: Actor, locale: str) -> bool:
    """Set the language used when neither the storefront nor the customer's account gives one."""
    return bool(actions.change_settings(db, actor, {"shop_language": locale}))
