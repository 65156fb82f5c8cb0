"""Merchant texts: the store's own wording of the page's introduction and of each customer
mail's opening paragraph, per language, with the translated built-in text as the default.

They are merchant settings (`lib.core.settings`, one JSON object per text: language → text),
so they are validated and every change is audited like any other setting. A text is plain:
markup and Liquid are refused when it is saved, and it is escaped wherever it is shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lib.core import i18n
from lib.core.i18n import N_

MAX_TEXT_LENGTH = 600
_MARKUP = re.compile(r"<\s*[/!?a-zA-Z]|\{\{|\{%|&#?\w+;")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class TextSlot:
    """One text a merchant may override: its setting key, label and built-in msgid."""

    key: str
    label: str
    default: str


SLOTS: tuple[TextSlot, ...] = (
    TextSlot(
        "text_page_intro",
        "Page: introduction",
        N_("You can ask %(store)s for a copy of the personal data it holds about you."),
    ),
    TextSlot(
        "text_mail_verify",
        "Mail *Verify Request*: opening",
        N_(
            "We have received a request to %(what)s for this email address on the Customer "
            "Data Requests page of %(store)s."
        ),
    ),
    TextSlot(
        "text_mail_received",
        "Mail *request received*: opening",
        N_("%(store)s has received your request to %(what)s."),
    ),
    TextSlot(
        "text_mail_data_ready",
        "Mail *data ready*: opening",
        N_("The copy of your data that you asked %(store)s for is ready."),
    ),
    TextSlot(
        "text_mail_passphrase",
        "Mail *passphrase*: opening",
        N_(
            "The file with your data from %(store)s is an encrypted ZIP archive. The download "
            "link comes in a separate email."
        ),
    ),
)
SLOT_BY_KEY: dict[str, TextSlot] = {slot.key: slot for slot in SLOTS}


class TextError(ValueError):
    """A merchant text that cannot be saved; the message says why."""


def clean_texts(key: str, value: Mapping[str, Any]) -> dict[str, str]:
    """The overrides of `key` as stored: known languages only, trimmed, empty ones dropped."""
    cleaned: dict[str, str] = {}
    for raw_locale, raw_text in value.items():
        locale = i18n.parse_locale(str(raw_locale))
        if locale is None or locale != str(raw_locale):
            known = ", ".join(i18n.languages())
            raise TextError(f"{key}: {str(raw_locale)[:40]!r} is not a language; use {known}")
        if not isinstance(raw_text, str):
            raise TextError(f"{key} ({locale}) takes text, not {type(raw_text).__name__}")
        text = raw_text.strip()
        if len(text) > MAX_TEXT_LENGTH:
            raise TextError(
                f"{key} ({locale}) has {len(text)} characters; at most {MAX_TEXT_LENGTH}"
            )
        if _MARKUP.search(text) or _CONTROL.search(text):
            raise TextError(f"{key} ({locale}) must be plain text, without HTML or Liquid")
        if text:
            cleaned[locale] = text
    return dict(sorted(cleaned.items()))


def default_text(key: str, locale: str, **values: str) -> str:
    """The built-in text of `key` in `locale`, placeholders filled from `values`."""
    return i18n.gettext(locale, SLOT_BY_KEY[key].default, **values)


def text_for(settings: Mapping[str, Any], key: str, locale: str, **values: str) -> str:
    """The merchant's text of `key` in `locale`, else the built-in one."""
    return (settings.get(key) or {}).get(locale) or default_text(key, locale, **values)
