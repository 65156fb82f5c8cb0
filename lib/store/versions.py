"""Shopify's Admin API versions and their support window, so a stale pin is noticed at start.

Shopify releases a stable version on the 1st of January, April, July and October (named
`YYYY-MM`) and supports each for at least 12 months; after that a request for it falls forward
to the oldest supported version, which may change answers under us (docs/SHOPIFY.md, *Versions*).
Everything here takes the day as an argument, so the window is computed, never hard-coded.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

from lib.core.models import utcnow

RELEASE_MONTHS = (1, 4, 7, 10)
SUPPORT_MONTHS = 12
PINNED = "2026-10"
"""The version the client, the webhooks and `shopify.app.toml` are written and tested against."""

_HANDLE = re.compile(r"(\d{4})-(\d{2})")
log = logging.getLogger("privacy_desk.store")


@dataclass(frozen=True, slots=True)
class ApiVersion:
    """One stable version: its handle, the day Shopify released it and the first day after it."""

    handle: str
    released_on: date

    @property
    def supported_until(self) -> date:
        """The day support ends: 12 months after release (the version is gone from that day)."""
        return _add_months(self.released_on, SUPPORT_MONTHS)

    def supported_on(self, day: date) -> bool:
        """True when `day` lies inside the version's support window."""
        return self.released_on <= day < self.supported_until


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _human(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def parse_version(handle: str) -> ApiVersion:
    """The stable version named `handle` (`YYYY-01`, `-04`, `-07` or `-10`).

    Raises:
        ValueError: `handle` is not a stable version name (e.g. `unstable`, `2026-05`).
    """
    match = _HANDLE.fullmatch(handle.strip())
    if not match or int(match[2]) not in RELEASE_MONTHS:
        raise ValueError(
            f"{handle!r} is not a stable Shopify API version (YYYY-01, -04, -07 or -10)"
        )
    return ApiVersion(match[0], date(int(match[1]), int(match[2]), 1))


def latest_version(day: date) -> ApiVersion:
    """The newest stable version released on or before `day`."""
    month = max(m for m in RELEASE_MONTHS if m <= day.month)
    return parse_version(f"{day.year:04d}-{month:02d}")


def supported_versions(day: date) -> list[ApiVersion]:
    """Every stable version supported on `day`, oldest first."""
    newest = latest_version(day).released_on
    versions = []
    for back in range(0, SUPPORT_MONTHS, 3):
        released = _add_months(newest, -back)
        version = parse_version(f"{released.year:04d}-{released.month:02d}")
        if version.supported_on(day):
            versions.append(version)
    return versions[::-1]


def version_warning(handle: str, day: date) -> str | None:
    """A sentence for people when `handle` is outside the support window on `day`, else None."""
    window = supported_versions(day)
    span = f"{window[0].handle} to {window[-1].handle}"
    try:
        version = parse_version(handle)
    except ValueError:
        return (
            f"SHOPIFY_API_VERSION is {handle!r}, not a stable Shopify API version; "
            f"the supported ones are {span}."
        )
    if version.released_on > day:
        return (
            f"SHOPIFY_API_VERSION {version.handle} is not released yet (it comes out on "
            f"{_human(version.released_on)}); the supported versions are {span}."
        )
    if not version.supported_on(day):
        return (
            f"SHOPIFY_API_VERSION {version.handle} left Shopify's support window on "
            f"{_human(version.supported_until)}: Shopify answers with the oldest supported "
            f"version instead. Pin one of {span} (this release is tested with {PINNED})."
        )
    return None


def warn_if_unsupported(handle: str, day: date | None = None) -> str | None:
    """Log `version_warning` (today, UTC) as a warning; the one-line call at each start."""
    warning = version_warning(handle, day or utcnow().date())
    if warning:
        log.warning(warning)
    return warning
