"""Queries behind the Mail page: the outbox newest first, one bounded page (`LIMIT`) filtered
in SQL, and one mail in full with the links of its text."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select

from lib.core.db import Database
from lib.core.models import OutboxMail

PAGE_ROWS = 200
_URL = re.compile(r"https?://[^\s<>\"')]+")


@dataclass(frozen=True, slots=True)
class Mail:
    """One outbox mail in full, for the preview."""

    id: int
    to: str
    subject: str
    status: str
    text: str
    html: str
    links: tuple[str, ...]


def outbox(db: Database, status: str | None = None, limit: int = PAGE_ROWS) -> pd.DataFrame:
    """The latest mails: when, template, to, subject, status, attempts, last error."""
    query = (
        select(
            OutboxMail.id,
            OutboxMail.created_at,
            OutboxMail.template,
            OutboxMail.to_addr,
            OutboxMail.subject,
            OutboxMail.status,
            OutboxMail.attempts,
            OutboxMail.last_error,
        )
        .order_by(OutboxMail.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(OutboxMail.status == status)
    columns = ["id", "created_at", "template", "to", "subject", "status", "attempts", "error"]
    with db.read() as session:
        rows = [tuple(r) for r in session.execute(query)]
    return pd.DataFrame(rows, columns=columns)


def outbox_counts(db: Database) -> dict[str, int]:
    """Mails per status (pending, sent, captured, failed)."""
    query = select(OutboxMail.status, func.count()).group_by(OutboxMail.status)
    with db.read() as session:
        return {status: int(n) for status, n in session.execute(query)}


def mail(db: Database, mail_id: int) -> Mail | None:
    """One mail with its bodies and the links found in its text part."""
    with db.read() as session:
        row = session.get(OutboxMail, mail_id)
        if row is None:
            return None
        links = tuple(dict.fromkeys(_URL.findall(row.text_body)))
        return Mail(
            row.id, row.to_addr, row.subject, row.status, row.text_body, row.html_body, links
        )
