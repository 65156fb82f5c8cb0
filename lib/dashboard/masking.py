"""Masked identities: enough to tell rows apart, not enough to identify the person."""

from __future__ import annotations

MASK = "•••"


def mask_email(email: str | None) -> str:
    """`jane.doe@example.com` → `j•••@e•••.com`; the domain's last label is kept."""
    if not email:
        return ""
    local, _, domain = email.partition("@")
    head, dot, tld = domain.rpartition(".")
    masked_domain = f"{head[:1]}{MASK}{dot}{tld}" if dot else f"{domain[:1]}{MASK}"
    return f"{local[:1]}{MASK}@{masked_domain}"


def mask_name(name: str | None) -> str:
    """`Jane Doe` → `J. D•••` (initials only)."""
    if not name or not name.strip():
        return ""
    parts = name.split()
    first = f"{parts[0][:1]}."
    return f"{first} {parts[-1][:1]}{MASK}" if len(parts) > 1 else first


def mask_phone(phone: str | None) -> str:
    """Keep the last two digits: `+44 20 7946 0958` → `•••58`."""
    if not phone:
        return ""
    digits = [c for c in phone if c.isdigit()]
    return f"{MASK}{''.join(digits[-2:])}"
