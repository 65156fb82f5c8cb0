"""Signed storefront links for local walk-throughs (guest / logged-in customer), built by the
intake service's own helper so the signing rule lives in one place."""

from __future__ import annotations

from lib.core.config import get_config
from lib.core.db import Database
from lib.intake.links import walkthrough_links


def links(db: Database, customers: int = 2) -> list[tuple[str, str]]:
    """(label, url) pairs: the storefront as a guest and as a few customers.

    The links carry a timestamp valid for Shopify's proxy window (5 minutes), so they are made
    fresh on every page run.
    """
    with db.read() as session:
        made = walkthrough_links(session, get_config(), customers=customers)
    return [(f"Storefront {link.label}", link.url) for link in made]
