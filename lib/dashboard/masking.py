"""Masked identities: enough to tell rows apart, not enough to identify the person.

Each rule is written once for one value (`mask_email`, `mask_name`) and, right below it, once
for a whole Arrow column (`mask_emails`, `mask_names`: the CSV register masks a million rows
with a few C++ kernels instead of a Python call per value). The column twins return exactly
what the value functions return for every input, None and NUL included; the property tests in
`tests/dashboard/test_masking.py` hold them to that.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

MASK = "•••"
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""What `str.split()` and `str.strip()` treat as whitespace (every `str.isspace()` character)."""
_WHITESPACE_RUN = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]+"


def mask_email(email: str | None) -> str:
    """`jane.doe@example.com` → `j•••@e•••.com`; the domain's last label is kept."""
    if not email:
        return ""
    local, _, domain = email.partition("@")
    head, dot, tld = domain.rpartition(".")
    masked_domain = f"{head[:1]}{MASK}{dot}{tld}" if dot else f"{domain[:1]}{MASK}"
    return f"{local[:1]}{MASK}@{masked_domain}"


def _first(texts: pa.Array) -> pa.Array:
    return pc.utf8_slice_codeunits(texts, 0, 1)


def mask_emails(emails: pa.Array) -> pa.Array:
    """`mask_email` of every value of a string column, in Arrow kernels.

    `partition("@")` is a split at the first `@`, `rpartition(".")` a reverse split at the last
    dot; when the domain has no dot the reverse split leaves it whole, so its first character
    stands where the head's would.
    """
    emails = emails.fill_null("")
    at = pc.split_pattern(emails, "@", max_splits=1)
    domain = pc.binary_join(pc.list_slice(at, 1, 2), "")
    dot = pc.split_pattern(domain, ".", max_splits=1, reverse=True)
    has_dot = pc.equal(pc.list_value_length(dot), 2)
    tld = pc.binary_join(pc.list_slice(dot, 1, 2), "")
    masked = pc.binary_join_element_wise(
        _first(pc.list_element(at, 0)),
        f"{MASK}@",
        _first(pc.list_element(dot, 0)),
        MASK,
        pc.if_else(has_dot, ".", ""),
        tld,
        "",
    )
    return pc.if_else(pc.equal(emails, ""), "", masked)


def mask_name(name: str | None) -> str:
    """`Jane Doe` → `J. D•••` (initials only)."""
    if not name or not name.strip():
        return ""
    parts = name.split()
    first = f"{parts[0][:1]}."
    return f"{first} {parts[-1][:1]}{MASK}" if len(parts) > 1 else first


def mask_names(names: pa.Array) -> pa.Array:
    """`mask_name` of every value of a string column, in Arrow kernels.

    The name is stripped of `WHITESPACE`; the last word's first character is the last character
    before the first whitespace run of the reversed name (Arrow has no reverse regex split).
    """
    stripped = pc.utf8_trim(names.fill_null(""), WHITESPACE)
    reversed_words = pc.split_pattern_regex(
        pc.utf8_reverse(stripped), _WHITESPACE_RUN, max_splits=1
    )
    last_initial = pc.utf8_slice_codeunits(pc.list_element(reversed_words, 0), -1)
    several = pc.equal(pc.list_value_length(reversed_words), 2)
    tail = pc.if_else(several, pc.binary_join_element_wise(" ", last_initial, MASK, ""), "")
    masked = pc.binary_join_element_wise(_first(stripped), ".", tail, "")
    return pc.if_else(pc.equal(stripped, ""), "", masked)


def mask_phone(phone: str | None) -> str:
    """Keep the last two digits: `+44 20 7946 0958` → `•••58`."""
    if not phone:
        return ""
    digits = [c for c in phone if c.isdigit()]
    return f"{MASK}{''.join(digits[-2:])}"


IDENTITY_SEARCH_REFUSED = (
    "Your role sees masked identities, so it cannot search by a whole email address or phone "
    "number (that would confirm who asked). Search by reference (DSR-…) or part of a name."
)
PHONE_DIGITS = 6  # enough digits to single out a person; references and years have fewer


def identity_search_refusal(text: str) -> str | None:
    """Why a masked role may not run this search, or None: a term with an email's local part
    and `@`, or one that is a phone number (digits and separators, PHONE_DIGITS or more)."""
    term = text.strip()
    if term.upper().startswith("DSR-"):
        return None
    local, at, _ = term.partition("@")
    if at and local.strip():
        return IDENTITY_SEARCH_REFUSED
    digits = [c for c in term if c.isdigit()]
    if len(digits) >= PHONE_DIGITS and all(c.isdigit() or c in "+-(). /" for c in term):
        return IDENTITY_SEARCH_REFUSED
    return None
