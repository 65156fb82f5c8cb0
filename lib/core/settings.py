"""Merchant settings declared as data, stored in the database, every change audited.

Each setting has a type, a default, a label and help text; the dashboard and
`python -m lib settings` render and validate them from this one table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib.core import i18n, texts
from lib.core.audit import append_event
from lib.core.enums import EventKind
from lib.core.models import Setting, SettingChange, utcnow

REGIME_CHOICES = ("gdpr", "uk_gdpr", "ccpa", "us_state", "lgpd", "pipeda")


class SettingError(ValueError):
    """An unknown key or a value its setting does not accept; the message says what would be."""


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """One merchant setting: how it is stored, shown and validated."""

    key: str
    kind: type
    default: Any
    label: str
    help: str
    group: str
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()


SPECS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "guest_support",
        bool,
        True,
        "Support guest visitors",
        "Let visitors who are not logged in ask by email; they confirm with a link.",
        "requests",
    ),
    SettingSpec(
        "default_regime",
        str,
        "gdpr",
        "Default regime",
        "Law applied when the customer's country does not decide it.",
        "requests",
        choices=REGIME_CHOICES,
    ),
    SettingSpec(
        "internal_target_days",
        int,
        15,
        "Internal target (working days)",
        "Your own goal for answering, ahead of the legal deadline.",
        "requests",
        minimum=1,
        maximum=90,
    ),
    SettingSpec(
        "due_soon_days",
        int,
        7,
        "Due soon (days)",
        "A request counts as due soon this many days before its deadline.",
        "requests",
        minimum=1,
        maximum=30,
    ),
    SettingSpec(
        "verification_link_hours",
        int,
        72,
        "Verification link lifetime (hours)",
        "How long the Verify Request link in the email works.",
        "links",
        minimum=1,
        maximum=720,
    ),
    SettingSpec(
        "unverified_expiry_days",
        int,
        14,
        "Expire unverified requests after (days)",
        "Requests never verified are closed as expired after this many days.",
        "links",
        minimum=1,
        maximum=90,
    ),
    SettingSpec(
        "guest_reminder_hours",
        int,
        48,
        "Remind unverified guests after (hours)",
        "A guest who has not followed the Verify Request link gets one reminder with a new "
        "link this many hours after asking; 0 sends none.",
        "links",
        minimum=0,
        maximum=720,
    ),
    SettingSpec(
        "download_link_days",
        int,
        7,
        "Download link lifetime (days)",
        "How long the customer's download link works.",
        "links",
        minimum=1,
        maximum=30,
    ),
    SettingSpec(
        "identity_retention_months",
        int,
        24,
        "Keep identities of closed requests (months)",
        "After this many months a closed request keeps only its reference, dates and outcome: "
        "the email, name and texts are erased (CCPA regulations §7101 ask for 24 months of "
        "request records).",
        "requests",
        minimum=1,
        maximum=120,
    ),
    SettingSpec(
        "download_max",
        int,
        3,
        "Downloads per link",
        "How many times the customer may download the package.",
        "links",
        minimum=1,
        maximum=20,
    ),
    SettingSpec(
        "encrypt_exports",
        bool,
        False,
        "Encrypt export packages",
        "AES-256 ZIP; the passphrase is sent in a separate mail.",
        "exports",
    ),
    SettingSpec(
        "merchant_email",
        str,
        "merchant@example.com",
        "Fallback merchant email",
        "Merchant notifications go to each store's own contact address; this one only for a "
        "store that has none.",
        "notifications",
    ),
    SettingSpec(
        "notify_merchant_new_request",
        bool,
        True,
        "Merchant: new request",
        "Mail the merchant when a request arrives.",
        "notifications",
    ),
    SettingSpec(
        "notify_merchant_verified",
        bool,
        True,
        "Merchant: request verified",
        "Mail the merchant when a customer verifies a request.",
        "notifications",
    ),
    SettingSpec(
        "notify_merchant_export_ready",
        bool,
        True,
        "Merchant: export ready",
        "Mail the merchant when a package is ready for review.",
        "notifications",
    ),
    SettingSpec(
        "notify_merchant_deadline",
        bool,
        True,
        "Merchant: deadline approaching",
        "Mail the merchant when an open request becomes due soon.",
        "notifications",
    ),
    SettingSpec(
        "notify_customer_received",
        bool,
        True,
        "Customer: request received",
        "Confirm to the customer that the request was received.",
        "notifications",
    ),
    SettingSpec(
        "notify_customer_verified",
        bool,
        True,
        "Customer: request verified",
        "Tell the customer the request is verified and data will follow.",
        "notifications",
    ),
    SettingSpec(
        "notify_customer_data_ready",
        bool,
        True,
        "Customer: data ready",
        "Send the customer the download link when the data is delivered.",
        "notifications",
    ),
)
SPECS += (
    SettingSpec(
        "shop_language",
        str,
        i18n.SOURCE_LOCALE,
        "Shop language",
        "For customers whose language neither the storefront nor their account tells.",
        "languages",
        choices=i18n.languages(),
    ),
    *(
        SettingSpec(slot.key, dict, {}, slot.label, "Language → text; empty: built-in.", "texts")
        for slot in texts.SLOTS
    ),
)
SPEC_BY_KEY: dict[str, SettingSpec] = {spec.key: spec for spec in SPECS}


def spec_for(key: str) -> SettingSpec:
    """The declaration of `key`, or SettingError listing the known keys."""
    try:
        return SPEC_BY_KEY[key]
    except KeyError:
        raise SettingError(f"unknown setting {key!r}; known: {', '.join(SPEC_BY_KEY)}") from None


def validate(key: str, value: Any) -> Any:
    """Return `value` converted to the setting's type, or raise SettingError."""
    spec = spec_for(key)
    if spec.kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise SettingError(f"{key} takes true or false, not {value!r}")
    if spec.kind is dict:
        return _texts(key, value)
    if spec.kind is int:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise SettingError(f"{key} takes a whole number, not {value!r}") from None
        if (spec.minimum is not None and number < spec.minimum) or (
            spec.maximum is not None and number > spec.maximum
        ):
            raise SettingError(f"{key} takes {spec.minimum} to {spec.maximum}, not {number}")
        return number
    text = str(value).strip()
    if spec.choices and text not in spec.choices:
        raise SettingError(f"{key} takes one of {', '.join(spec.choices)}, not {text!r}")
    if key == "merchant_email" and "@" not in text:
        raise SettingError(f"{key} takes an email address, not {text!r}")
    return text


def _texts(key: str, value: Any) -> dict[str, str]:
    """A merchant text setting: a mapping (or its JSON) of language → plain text."""
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except json.JSONDecodeError:
            raise SettingError(f'{key} takes a JSON object such as {{"de": "…"}}') from None
    if not isinstance(value, dict):
        raise SettingError(f'{key} takes a JSON object such as {{"de": "…"}}')
    try:
        return texts.clean_texts(key, value)
    except texts.TextError as exc:
        raise SettingError(str(exc)) from None


_ALL = select(Setting)
"""Built once: the intake reads every setting on each submission."""


def all_settings(session: Session) -> dict[str, Any]:
    """Every setting's current value (stored, else the default), in declaration order."""
    stored = {row.key: json.loads(row.value) for row in session.scalars(_ALL)}
    return {spec.key: stored.get(spec.key, spec.default) for spec in SPECS}


def get_setting(session: Session, key: str) -> Any:
    """The current value of one setting."""
    spec = spec_for(key)
    row = session.get(Setting, key)
    return json.loads(row.value) if row else spec.default


def set_setting(session: Session, key: str, value: Any, actor: str) -> SettingChange | None:
    """Validate and store a value; audit it. Returns None when nothing changed."""
    new = validate(key, value)
    row = session.get(Setting, key)
    old = json.loads(row.value) if row else spec_for(key).default
    if old == new:
        return None
    encoded = json.dumps(new)
    if row is None:
        session.add(Setting(key=key, value=encoded, updated_by=actor))
    else:
        row.value, row.updated_by, row.updated_at = encoded, actor, utcnow()
    change = SettingChange(key=key, actor=actor, before=json.dumps(old), after=encoded)
    session.add(change)
    append_event(
        session,
        actor=actor,
        kind=EventKind.SETTING,
        details={"key": key, "before": old, "after": new},
    )
    return change
