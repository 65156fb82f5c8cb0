"""What stays of a person after erasure: a keyed hash of their email, never the email itself.

A request keeps its reference, type, dates and outcome for accountability once its identity is
erased; `requests.email_hash` (HMAC-SHA256 of the normalised address under a key derived from
`TOKEN_SECRET`) still recognises a returning person's duplicate and answers "did you erase
me?" without storing the address. Without the key the hash cannot be reversed by trying
addresses, which a plain SHA-256 of an email could (docs/ERASURE.md).

Audit events commit to their free text through a salted digest (`payload_digest`), so that text
can be erased later without breaking the chain (`lib.core.audit`).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from lib.core.config import get_config

_EMAIL_LABEL = b"privacy-desk/email-hash/v1"
_SALT_LABEL = b"privacy-desk/event-salt/v1"
SALT_BYTES = 16


@cache
def _key(secret: str, label: bytes = _EMAIL_LABEL) -> bytes:
    """A key of its own derived from the secret, so a hash is never a token signature."""
    return hmac.new(secret.encode(), label, hashlib.sha256).digest()


def normalise_email(email: str) -> str:
    """The form every hash is taken of: trimmed and lower-cased (as requests store it)."""
    return email.strip().lower()


def email_hash(email: str, secret: str | None = None) -> str:
    """The keyed hash of `email` (hex); `secret` defaults to the configured TOKEN_SECRET."""
    key = _key(secret if secret is not None else get_config().token_secret)
    return hmac.new(key, normalise_email(email).encode(), hashlib.sha256).hexdigest()


def event_salt(seq: int, prev_hash: str, secret: str | None = None) -> str:
    """The salt (hex) of the event at `seq` after `prev_hash`: keyed, so only the key's holder
    can test a guess against an erased event's digest (as with `email_hash`), and derived, so
    a seed with a pinned clock still writes the same bytes."""
    key = _key(secret if secret is not None else get_config().token_secret, _SALT_LABEL)
    mac = hmac.new(key, f"{seq}:{prev_hash}".encode(), hashlib.sha256)
    return mac.digest()[:SALT_BYTES].hex()


def payload_digest(salt: str, canonical: str) -> str:
    """SHA-256 of salt ‖ canonical payload text: reveals nothing once the salt is erased."""
    return hashlib.sha256(bytes.fromhex(salt) + canonical.encode()).hexdigest()
