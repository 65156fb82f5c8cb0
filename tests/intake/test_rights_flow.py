"""Correction, opt-out and appeal end to end: the real intake (uvicorn) takes the storefront
request, staff decide, the real worker changes the demo store over HTTP, and the customer's
mail reaches a real SMTP server."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage

import pytest
from sqlalchemy import select, update

from lib.core import config
from lib.core.appeals import APPEAL_WINDOW_DAYS
from lib.core.audit import verify_chain
from lib.core.models import Appeal, Customer, DemoCustomer, Request, Store
from lib.core.request_types import set_offered
from lib.dashboard import actions, rights_actions
from lib.dashboard.roles import Actor, Role
from lib.jobs.correction_job import queue_correction
from lib.jobs.handlers import job_handlers
from lib.jobs.optout_job import sweep_opt_outs
from lib.jobs.queue import ClaimedJob
from lib.jobs.worker import JobContext, Worker
from lib.mail.appeal_links import appeal_url
from lib.store.demo_server import DemoStoreServer
from tests.intake.conftest import SHOP, Intake, add_customer, add_demo_customer
from tests.store.helpers import TOKEN, running_store

WRITE = frozenset({"read_customers", "read_orders", "write_customers", "write_privacy_settings"})
ALICE = Actor("alice@demo-shop.test", Role.ADMIN)
OLGA = Actor("olga@demo-shop.test", Role.COMPLIANCE)
LINK = re.compile(r"https?://\S+/appeal\?token=([A-Za-z0-9_.\-]+)")


@pytest.fixture
def demo(db) -> Iterator[DemoStoreServer]:
    with running_store(db, scopes=WRITE) as server:
        yield server


@pytest.fixture
def flow(make_intake: Callable[..., Intake], demo: DemoStoreServer) -> Intake:
    intake = make_intake(demo_store_url=demo.url, demo_store_token=TOKEN)
    with intake.db.write() as session:
        store = session.scalars(select(Store).where(Store.shop_domain == SHOP)).one()
        set_offered(session, store, ["access", "correction", "opt_out"], actor="staff:test")
    add_demo_customer(intake.db, "101", "Ada", "Lovelace", "ada@example.com")
    return intake


def _work(intake: Intake) -> None:
    worker = Worker(intake.db, job_handlers(intake.config))
    while worker.run_once():
        pass
    intake.deliver()


def _mails(intake: Intake, to: str) -> list[EmailMessage]:
    assert intake.smtp is not None
    return [m for m in intake.smtp.messages if to in m["To"]]


def _text(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()


def _request(intake: Intake, kind: str) -> Request:
    with intake.db.read() as session:
        return session.scalars(select(Request).where(Request.type == kind)).one()


def test_correction_applied_in_part_and_told(flow: Intake) -> None:
    form = {"type": "correction", "correction_note": "New surname", "last_name": "Byron"}
    form["city"] = "Paris"
    assert flow.http.post(flow.page_url("101"), data=form).status_code == 200
    request = _request(flow, "correction")
    with flow.db.write() as session:
        queue_correction(
            session,
            session.get_one(Request, request.id),
            actor=ALICE.email,
            apply={"last_name": "Lovelace"},
            refuse={"city": "Our records show you live in Lyon."},
        )
    _work(flow)
    with flow.db.read() as session:
        row = session.get_one(DemoCustomer, 101)
        done = session.get_one(Request, request.id)
        ours = session.scalars(select(Customer).where(Customer.shopify_id == "101")).one()
        assert verify_chain(session).ok
    assert (row.last_name, row.city) == ("Byron", "Lyon")
    assert (done.status, done.name, ours.last_name) == ("completed", "Ada Byron", "Byron")
    text = _text(_mails(flow, "ada@example.com")[-1])
    assert "We have corrected your personal data as you asked." in text
    assert "Our records show you live in Lyon." in text


def test_opt_out_applied_read_back_and_confirmed(flow: Intake) -> None:
    assert flow.http.post(flow.page_url("101"), data={"type": "opt_out"}).status_code == 200
    claimed = ClaimedJob(0, "opt_out_sweep", {}, None, 1, 1, "system")
    assert sweep_opt_outs(JobContext(flow.db, claimed, "test")) == {"queued": 1}
    _work(flow)
    request = _request(flow, "opt_out")
    with flow.db.read() as session:
        last = session.get_one(Request, request.id).events[-1]
    assert request.status == "completed"
    assert last.details["read_back"]["data_sale_opt_out"] is True
    text = _text(_mails(flow, "ada@example.com")[-1])
    assert "we will not sell or share your personal data" in text


def test_refused_us_state_request_appealed_once_and_denied_with_the_ag(
    flow: Intake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKEN_SECRET", flow.config.token_secret)  # the dashboard mints the link
    config.get_config.cache_clear()
    add_customer(flow.db, "102", "Grace", "Hopper", "grace@example.com", country="US")
    with flow.db.write() as session:
        session.execute(
            update(Customer).where(Customer.shopify_id == "102").values(subdivision="VA")
        )
    assert flow.http.post(flow.page_url("102"), data={"type": "access"}).status_code == 200
    refused = _request(flow, "access")
    assert refused.regime == "us_state"
    actions.reject(flow.db, ALICE, refused.id, "other", "We keep no data about you.")
    flow.deliver()
    refusal = _text(_mails(flow, "grace@example.com")[-1])
    match = LINK.search(refusal)
    assert match, refusal
    path = f"{flow.config.app_proxy_prefix}/appeal"
    form = flow.http.get(path, params={"token": match.group(1)})
    assert form.status_code == 200 and 'name="statement"' in form.text
    sent = flow.http.post(path, data={"token": match.group(1), "statement": "I bought there."})
    assert sent.status_code == 200 and "We have received your appeal" in sent.text
    again = flow.http.post(path, data={"token": match.group(1), "statement": "Again"})
    assert again.status_code == 409 and "already received this appeal" in again.text
    broken = flow.http.get(path, params={"token": match.group(1)[:-3]})
    assert broken.status_code == 400 and "not valid" in broken.text
    appeal = _request(flow, "appeal")
    with flow.db.read() as session:
        assert session.get_one(Appeal, appeal.id).statement == "I bought there."
    with pytest.raises(Exception, match="someone other than the person who refused"):
        rights_actions.decide_appeal(flow.db, ALICE, appeal.id, grant=False, reason="No.")
    rights_actions.decide_appeal(flow.db, OLGA, appeal.id, grant=False, reason="Still none.")
    flow.deliver()
    denial = _text(_mails(flow, "grace@example.com")[-1])
    assert "Still none." in denial
    assert "https://www.oag.state.va.us/consumer-protection/" in denial
    assert "/appeal?token=" not in denial  # an appeal's denial is not appealable again


def test_an_expired_appeal_link_is_refused_in_the_customers_language(flow: Intake) -> None:
    late = time.time() - (APPEAL_WINDOW_DAYS + 1) * 86400
    url = appeal_url(flow.config, Request(id=1), now=late)
    path, _, query = url.partition("?")
    answer = flow.http.get(
        f"{flow.config.app_proxy_prefix}/appeal?{query}", headers={"accept-language": "de"}
    )
    assert answer.status_code == 410
    assert "Die Frist für einen Widerspruch ist vorbei." in answer.text
    assert path.endswith("/appeal")
