"""The outbox: mails rendered and stored in the caller's transaction, sent later by the worker.

A mail is queued in the same transaction as the change that causes it, so a committed change
always has its mail and a rolled-back one never does. Each row carries a dedupe key: queueing the
same key twice is a no-op (`queue_mail` returns None), which makes retried handlers and replayed
webhooks harmless.

Templates live in `lib/mail/templates/` as three files per mail: `<name>.subject.j2`,
`<name>.txt.j2` and `<name>.html.j2`. HTML is autoescaped; the text and HTML parts extend
`_layout.txt.j2` / `_layout.html.j2`, which carry the store's name and its contact address from
`context["store"]` (anything with `name` and `contact_email`; filled from the request's store
when `request_id` is given and `store` is not). Undefined variables are errors, not blanks.
A mail is rendered in the `locale` it is queued with (`lib.core.i18n`: `{% trans %}`, and the
`date`, `datetime`, `number` and `money` filters); merchant mails stay in English.

The insert is one textual `INSERT … ON CONFLICT DO NOTHING RETURNING id` (the same SQL on both
databases), which SQLAlchemy compiles once: its dialect `insert().on_conflict_do_nothing()` has
no cache key and was compiled on every mail (0.5 ms, inside the caller's write transaction).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Integer, String, Text, bindparam, select, text
from sqlalchemy.orm import Session, make_transient_to_detached

from lib.core import i18n
from lib.core.models import OutboxMail, Request, Store, UTCDateTime, utcnow

TEMPLATE_DIR = Path(__file__).with_name("templates")
SUBJECT_LIMIT = 300


@cache
def _env(locale: str) -> Environment:
    return i18n.jinja_environment(
        locale,
        FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


_INSERT = text(
    "INSERT INTO outbox (dedupe_key, request_id, template, to_addr, subject, text_body, "
    "html_body, status, attempts, next_attempt_at, created_at) "
    "VALUES (:dedupe_key, :request_id, :template, :to_addr, :subject, :text_body, :html_body, "
    ":status, :attempts, :next_attempt_at, :created_at) "
    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
).bindparams(
    bindparam("dedupe_key", type_=String()),
    bindparam("request_id", type_=Integer()),
    bindparam("template", type_=String()),
    bindparam("to_addr", type_=String()),
    bindparam("subject", type_=String()),
    bindparam("text_body", type_=Text()),
    bindparam("html_body", type_=Text()),
    bindparam("status", type_=String()),
    bindparam("attempts", type_=Integer()),
    bindparam("next_attempt_at", type_=UTCDateTime()),
    bindparam("created_at", type_=UTCDateTime()),
)
"""Queue one mail; a concurrent twin with the same key waits for ours and then inserts nothing,
with no error that would abort the caller's transaction."""


def render(
    template: str, context: dict[str, Any], locale: str = i18n.SOURCE_LOCALE
) -> tuple[str, str, str]:
    """Render a mail's subject (one line), text part and HTML part in `locale`."""
    env = _env(locale)
    subject = env.get_template(f"{template}.subject.j2").render(context)
    subject = " ".join(subject.split())[:SUBJECT_LIMIT]
    text = env.get_template(f"{template}.txt.j2").render(context)
    html = env.get_template(f"{template}.html.j2").render(context)
    return subject, text, html


def queue_mail(
    session: Session,
    *,
    template: str,
    to: str,
    context: dict[str, Any],
    dedupe_key: str,
    request_id: int | None = None,
    locale: str = i18n.SOURCE_LOCALE,
) -> OutboxMail | None:
    """Render and store a mail in the caller's transaction; None if `dedupe_key` was queued.

    Raises:
        jinja2.TemplateError: the template is missing or uses a variable the context lacks.
    """
    context = dict(context)
    if "store" not in context and request_id is not None:
        context["store"] = _store_of(session, request_id)
    subject, text, html = render(template, context, locale)
    now = utcnow()
    values = {
        "dedupe_key": dedupe_key,
        "request_id": request_id,
        "template": template,
        "to_addr": to,
        "subject": subject,
        "text_body": text,
        "html_body": html,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    mail_id = session.execute(_INSERT, values).scalar_one_or_none()
    if mail_id is None:
        return None
    # Every column is known: hand back the row without reading it again.
    mail = OutboxMail(
        id=mail_id, lease_owner=None, lease_expires_at=None, last_error=None, sent_at=None, **values
    )
    make_transient_to_detached(mail)
    session.add(mail)
    return mail


def _store_of(session: Session, request_id: int) -> Store:
    return session.scalars(
        select(Store).join(Request, Request.store_id == Store.id).where(Request.id == request_id)
    ).one()
