"""Crashes (SIGKILL, no cleanup) of real processes at the worst moments.

- The intake service killed the moment it has answered 2xx: every acknowledged request is in the
  database after the restart, complete with its mail and audit events (it answers only after
  the commit), and customers retrying make no second request.
- A worker killed while the SMTP server holds a mail it has accepted but not yet confirmed: on
  restart every mail arrives, and the one mail in flight arrives twice with the same Message-ID.
  That is the at-least-once window of SMTP (the worker cannot know the server kept it); the
  stable Message-ID lets the receiving side drop the copy. The export twin of this test is
  tests/jobs/test_export_workers.py.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update

from lib.core.audit import verify_chain
from lib.core.config import Config
from lib.core.db import Database
from lib.core.enums import MailStatus
from lib.core.models import OutboxMail, Request, RequestEvent, utcnow
from lib.intake.links import signed_query
from lib.mail.delivery import message_id
from tests.helpers.outbox import queue_mails
from tests.helpers.stores import make_store
from tests.mail.smtp_sink import SmtpSink
from tests.reliability.processes import environment, record, running, start_intake, start_worker
from tests.store.helpers import config_for, running_store, wait_until

SHOP = "demo-shop.myshopify.com"
SECRET = "crash-test-proxy-secret"
BURST = 120


def _submit_all(base: str, config: Config, emails: list[str], kill_pid: int | None) -> dict:
    """Submit every email at once; SIGKILL `kill_pid` as soon as the first 2xx is read."""

    async def main() -> list[tuple[str, int | None]]:
        killed = False
        limits = httpx.Limits(max_connections=BURST + 10)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:

            async def one(n: int, email: str) -> tuple[str, int | None]:
                nonlocal killed
                query = signed_query(config, SHOP)
                try:
                    response = await client.post(
                        f"{base}{config.app_proxy_prefix}/api/requests?{query}",
                        json={"email": email},
                        headers={"x-forwarded-for": f"198.51.100.{1 + n % 250}"},
                    )
                except httpx.TransportError:
                    return email, None
                if kill_pid is not None and not killed and response.status_code == 202:
                    os.kill(kill_pid, signal.SIGKILL)  # right after the acknowledgement
                    killed = True
                return email, response.status_code

            return await asyncio.gather(*(one(n, e) for n, e in enumerate(emails)))

    return dict(asyncio.run(main()))


@pytest.mark.slow
def test_intake_killed_right_after_a_2xx_loses_no_acknowledged_request(
    db: Database, tmp_path: Path
) -> None:
    make_store(db, SHOP)
    config = Config(
        database_url=db.url,
        shopify_api_secret=SECRET,
        token_secret="crash-tokens",
        trusted_proxy_hops=1,  # the visitors' addresses come forwarded, as from Shopify's proxy
    )
    env = environment(config)
    emails = [f"visitor{n}@example.org" for n in range(BURST)]
    first = start_intake(env, tmp_path / "logs", "intake-killed")
    with running(first):
        answers = _submit_all(first.url, config, emails, kill_pid=first.popen.pid)
        assert first.popen.wait(timeout=10) == -signal.SIGKILL
    acknowledged = [e for e, status in answers.items() if status == 202]
    cut_off = [e for e, status in answers.items() if status is None]
    assert set(answers.values()) <= {202, None}
    assert acknowledged and cut_off, "the kill must land while requests are in flight"

    with db.read() as session:
        stored = dict(session.execute(select(Request.email, Request.id)).tuples().all())
        mails = Counter(session.scalars(select(OutboxMail.request_id)))
        events = Counter(session.scalars(select(RequestEvent.request_id)))
        assert verify_chain(session).ok
    assert set(acknowledged) <= set(stored)  # acknowledged only after the commit
    for request_id in stored.values():  # and nothing half-stored: request, mail, events
        assert mails[request_id] == 1 and events[request_id] == 2

    second = start_intake(env, tmp_path / "logs", "intake-restarted")
    with running(second):
        retried = _submit_all(second.url, config, emails, kill_pid=None)
    assert set(retried.values()) == {202}
    with db.read() as session:
        per_email = Counter(session.scalars(select(Request.email)))
    assert per_email == Counter(emails)  # retries found their request: one per visitor
    record(
        f"intake_sigkill_after_2xx_{db.engine.dialect.name}",
        {
            "submissions_in_flight": BURST,
            "acknowledged_before_kill": len(acknowledged),
            "connections_cut_by_kill": len(cut_off),
            "stored_at_restart": len(stored),
            "acknowledged_but_missing": len(set(acknowledged) - set(stored)),
            "duplicates_after_retrying_all": sum(per_email.values()) - len(emails),
        },
    )


class HoldingSink(SmtpSink):
    """Keeps the `hold_at`-th message, then holds back its `250 OK` until released."""

    def __init__(self, hold_at: int) -> None:
        super().__init__()
        self.hold_at = hold_at
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.hold_at and not self.holding.is_set():
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        return answer


def _mail_state(db: Database) -> dict[str, tuple[str, int]]:
    with db.read() as session:
        rows = session.execute(
            select(OutboxMail.dedupe_key, OutboxMail.status, OutboxMail.attempts)
        )
        return {key: (status, attempts) for key, status, attempts in rows}


@pytest.mark.slow
def test_worker_killed_mid_mail_delivers_every_mail_with_one_recognisable_repeat(
    db: Database, tmp_path: Path
) -> None:
    keys = queue_mails(db, 20)
    sink = HoldingSink(hold_at=8).start()
    try:
        with running_store(db) as store:
            config = config_for(store, db, tmp_path / "exports", smtp_url=sink.url)
            env = environment(config)
            worker = start_worker(env, tmp_path / "logs", "worker-killed")
            with running(worker):
                assert sink.holding.wait(timeout=30), worker.output()
                worker.kill()  # the 8th mail is with the server, unconfirmed
            sink.release.set()
            state = _mail_state(db)
            sent_before = [k for k, (status, _) in state.items() if status == MailStatus.SENT]
            assert len(sent_before) == 7 and len(sink.messages) == 8
            with db.write() as session:  # the dead worker's lease runs out (120 s in production)
                session.execute(
                    update(OutboxMail)
                    .where(OutboxMail.status == MailStatus.PENDING)
                    .values(lease_expires_at=utcnow() - timedelta(seconds=1))
                )
            restarted = start_worker(env, tmp_path / "logs", "worker-restarted")
            with running(restarted):
                wait_until(
                    lambda: {s for s, _ in _mail_state(db).values()} == {MailStatus.SENT},
                    timeout=30,
                )
                assert restarted.stop() == 0
    finally:
        sink.stop()
    received = Counter(m["Message-ID"] for m in sink.wait_for(21))
    expected = {message_id(key, config.mail_from): key for key in keys}
    assert set(received) == set(expected)  # every mail arrived
    repeated = [mid for mid, count in received.items() if count > 1]
    assert len(repeated) == 1 and received[repeated[0]] == 2  # only the one in flight
    assert expected[repeated[0]] not in sent_before  # confirmed mails are never sent again
    assert _mail_state(db)[expected[repeated[0]]] == (MailStatus.SENT, 2)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMail)) == 20
    record(
        f"worker_sigkill_mid_mail_{db.engine.dialect.name}",
        {
            "mails": len(keys),
            "confirmed_before_kill": len(sent_before),
            "distinct_mails_delivered": len(received),
            "messages_received": sum(received.values()),
            "copies_of_the_mail_in_flight": received[repeated[0]],
            "lost": len(set(expected) - set(received)),
        },
    )
