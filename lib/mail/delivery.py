"""The worker's mail chore: claim due outbox rows under a lease, send them over SMTP, record it.

Rows are claimed like jobs (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock on SQLite) so
any number of workers share the outbox and each row is sent by one of them. Each row is marked
`sent` in its own transaction right after the server accepted it; a worker killed in between
leaves the row to be sent again when its lease runs out, with the same Message-ID (derived from
the dedupe key) so that receiving systems can recognise the repeat.

Outcomes: connection problems and 4xx answers → retried with exponential backoff (4xx give up
after MAX_ATTEMPTS); 5xx answers → `failed` with the server's words. Without SMTP_URL nothing is
sent: rows become `captured` and the dashboard's mail page shows them.

SMTP_URL: `smtp://[user:pass@]host[:587]` (STARTTLS when the server offers it; credentials are
only ever sent over TLS), `smtps://…[:465]` (TLS from the start), `smtp+insecure://…[:25]`
(never TLS; for local test servers).
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
import urllib.parse
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from sqlalchemy import ColumnElement, Select, or_, select, update

from lib.core.backoff import backoff_delay
from lib.core.config import Config
from lib.core.db import Database, rowcount
from lib.core.enums import MailStatus
from lib.core.models import OutboxMail, utcnow

log = logging.getLogger("privacy_desk.mail")

LEASE_SECONDS = 120
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 900
MAX_ATTEMPTS = 10  # 4xx answers; connection problems are retried for as long as they last
SMTP_TIMEOUT_SECONDS = 15
DEFAULT_PORTS = {"smtp": 587, "smtps": 465, "smtp+insecure": 25}


class SmtpConfigError(ValueError):
    """SMTP_URL cannot be used as written; the message says why."""


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    """Where and how to connect, parsed from SMTP_URL."""

    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: int
    to_addr: str
    subject: str
    text_body: str
    html_body: str
    dedupe_key: str
    attempts: int


def parse_smtp_url(url: str) -> SmtpTarget:
    """Read SMTP_URL; raises SmtpConfigError for an unknown scheme or a missing host."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        raise SmtpConfigError(f"SMTP_URL scheme must be one of {', '.join(DEFAULT_PORTS)}")
    if not parts.hostname:
        raise SmtpConfigError("SMTP_URL has no host")
    unquote = urllib.parse.unquote
    return SmtpTarget(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def message_id(dedupe_key: str, mail_from: str) -> str:
    """A Message-ID that is the same every time the same outbox row is sent."""
    address = parseaddr(mail_from)[1]
    domain = address.rpartition("@")[2] or "privacy-desk.invalid"
    return f"<{hashlib.sha256(dedupe_key.encode()).hexdigest()[:40]}@{domain}>"


def build_message(mail: _Claimed | OutboxMail, mail_from: str) -> EmailMessage:
    """The MIME message of an outbox row: text part plus HTML alternative."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = mail.to_addr
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(mail.dedupe_key, mail_from)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.text_body)
    message.add_alternative(mail.html_body, subtype="html")
    return message


def deliver_pending(
    db: Database, config: Config, limit: int = 50, *, now: datetime | None = None
) -> int:
    """Send (or, without SMTP_URL, capture) up to `limit` due mails; return how many."""
    now = now or utcnow()
    if not _any_due(db, now):
        return 0
    if not config.smtp_url:
        return _capture(db, now, limit)
    owner = f"mail:{uuid.uuid4().hex[:12]}"
    batch = _claim(db, owner, now, limit)
    if not batch:
        return 0
    try:
        target = parse_smtp_url(config.smtp_url)
    except SmtpConfigError as exc:
        _retry(db, owner, batch, str(exc), now)
        log.error("mail not sent: %s", exc)
        return 0
    return _send_batch(db, config, target, owner, batch, now)


def _due(now: datetime) -> ColumnElement[bool]:
    return (
        (OutboxMail.status == MailStatus.PENDING)
        & (OutboxMail.next_attempt_at <= now)
        & or_(OutboxMail.lease_expires_at.is_(None), OutboxMail.lease_expires_at < now)
    )


def _any_due(db: Database, now: datetime) -> bool:
    with db.read() as session:
        return session.scalar(select(OutboxMail.id).where(_due(now)).limit(1)) is not None


def _due_rows(db: Database, now: datetime, limit: int) -> Select[tuple[OutboxMail]]:
    query = (
        select(OutboxMail)
        .where(_due(now))
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
        .limit(limit)
    )
    return query if db.is_sqlite else query.with_for_update(skip_locked=True)


def _capture(db: Database, now: datetime, limit: int) -> int:
    with db.write() as session:
        rows = list(session.scalars(_due_rows(db, now, limit)))
        for row in rows:
            row.status = MailStatus.CAPTURED
            row.attempts += 1
            row.lease_owner = row.lease_expires_at = None
        return len(rows)


def _claim(db: Database, owner: str, now: datetime, limit: int) -> list[_Claimed]:
    with db.write() as session:
        claimed = []
        for row in session.scalars(_due_rows(db, now, limit)):
            row.lease_owner = owner
            row.lease_expires_at = now + timedelta(seconds=LEASE_SECONDS)
            row.attempts += 1
            claimed.append(
                _Claimed(
                    row.id,
                    row.to_addr,
                    row.subject,
                    row.text_body,
                    row.html_body,
                    row.dedupe_key,
                    row.attempts,
                )
            )
        return claimed


def _connect(target: SmtpTarget) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if target.scheme == "smtps":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            target.host, target.port, timeout=SMTP_TIMEOUT_SECONDS, context=context
        )
    else:
        smtp = smtplib.SMTP(target.host, target.port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        smtp.ehlo()
        tls = target.scheme == "smtps"
        if target.scheme == "smtp" and smtp.has_extn("starttls"):
            smtp.starttls(context=context)
            smtp.ehlo()
            tls = True
        if target.username:
            if not tls and target.scheme != "smtp+insecure":
                raise smtplib.SMTPNotSupportedError(
                    "the server offers no STARTTLS: credentials are not sent in clear "
                    "(use smtps:// or, for a local test server, smtp+insecure://)"
                )
            smtp.login(target.username, target.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _send_batch(
    db: Database,
    config: Config,
    target: SmtpTarget,
    owner: str,
    batch: list[_Claimed],
    now: datetime,
) -> int:
    done: set[int] = set()
    sent = 0
    try:
        smtp = _connect(target)
        try:
            for mail in batch:
                outcome = _send_one(smtp, mail, config.mail_from)
                if outcome is None:
                    _mark(db, owner, mail.id, status=MailStatus.SENT)
                    sent += 1
                elif outcome[0] >= 500 or mail.attempts >= MAX_ATTEMPTS:
                    _mark(db, owner, mail.id, status=MailStatus.FAILED, error=outcome[1])
                    log.warning("mail %s failed: %s", mail.id, outcome[1])
                else:
                    _retry(db, owner, [mail], outcome[1], now)
                done.add(mail.id)
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    except (OSError, smtplib.SMTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
        _retry(db, owner, [mail for mail in batch if mail.id not in done], error, now)
        log.warning("mail server unavailable (%s); %d mails wait for a retry", error, len(batch))
    return sent


def _send_one(smtp: smtplib.SMTP, mail: _Claimed, mail_from: str) -> tuple[int, str] | None:
    """Send one mail; None when accepted, else (SMTP code, error) for an answer about it."""
    try:
        smtp.send_message(build_message(mail, mail_from))
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return code, f"{code} {_text(text)}"
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code == 421:  # the server is going away: a connection problem
            raise
        return exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}"
    except (smtplib.SMTPNotSupportedError, ValueError) as exc:  # e.g. SMTPUTF8 not offered
        return 550, f"{type(exc).__name__}: {exc}"
    return None


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _mark(db: Database, owner: str, mail_id: int, *, status: str, error: str | None = None) -> None:
    values: dict[str, object] = {"status": status, "lease_owner": None, "lease_expires_at": None}
    if status == MailStatus.SENT:
        values["sent_at"] = utcnow()
    if error is not None:
        values["last_error"] = error[:2000]
    with db.write() as session:
        result = session.execute(
            update(OutboxMail)
            .where(
                OutboxMail.id == mail_id,
                OutboxMail.lease_owner == owner,
                OutboxMail.status == MailStatus.PENDING,
            )
            .values(**values)
        )
    if rowcount(result) != 1:
        log.warning("mail %s: lease lost before it could be marked %s", mail_id, status)


def _retry(db: Database, owner: str, mails: list[_Claimed], error: str, now: datetime) -> None:
    if not mails:
        return
    with db.write() as session:
        for mail in mails:
            session.execute(
                update(OutboxMail)
                .where(OutboxMail.id == mail.id, OutboxMail.lease_owner == owner)
                .values(
                    lease_owner=None,
                    lease_expires_at=None,
                    last_error=error[:2000],
                    next_attempt_at=now
                    + timedelta(
                        seconds=backoff_delay(
                            mail.attempts - 1, RETRY_BASE_SECONDS, RETRY_MAX_SECONDS
                        )
                    ),
                )
            )
