"""Appeals of refused US-state requests: linked, single-use, per-state deadline, another
reviewer, granted (the type reopened) or denied (the state's Attorney General named)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from lib.core.appeals import (
    APPEAL_WINDOW_DAYS,
    AppealError,
    attorney_general,
    decide_appeal,
    open_appeal,
)
from lib.core.audit import verify_chain
from lib.core.config import load_config
from lib.core.db import Database
from lib.core.enums import Channel, RejectionCode, RequestType, Status
from lib.core.lifecycle import NewRequest, open_request, reject
from lib.core.models import Appeal, Request, Store, UsedToken
from lib.mail.appeal_links import appeal_url, read_appeal_token

REFUSED_AT = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
REFUSER = "staff:alice@shop.test"
OFFICER = "staff:olga@shop.test"


def _refused(db: Database, store: Store, state: str = "CO", regime: str = "us_state") -> int:
    with db.write() as session:
        shop = session.get(Store, store.id)
        request = open_request(
            session,
            NewRequest(
                store=shop,
                type=RequestType.ERASURE,
                channel=Channel.LOGGED_IN,
                email="ada@example.com",
                name="Ada Lovelace",
                country="US",
                subdivision=state,
                customer_id="7000000000001",
                regime=regime,
            ),
            actor="customer:ada@example.com",
            at=REFUSED_AT - timedelta(days=3),
        )
        reject(
            session,
            request,
            actor=REFUSER,
            code=RejectionCode.OTHER,
            text="We must keep the order records for tax law.",
            at=REFUSED_AT,
        )
        return request.id


def _open(db: Database, refused_id: int, fingerprint: str = "f" * 64, **kw) -> int:
    with db.write() as session:
        refused = session.get(Request, refused_id)
        return open_appeal(session, refused, fingerprint=fingerprint, **kw).id


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_appeal_is_linked_verified_and_due_by_its_state(db: Database, store: Store) -> None:
    refused_id = _refused(db, store, "CO")
    at = REFUSED_AT + timedelta(days=5)
    appeal_id = _open(db, refused_id, statement=" Please look again ", at=at)
    with db.read() as session:
        appeal = session.get(Request, appeal_id)
        link = session.get(Appeal, appeal_id)
        assert (appeal.type, appeal.status, appeal.email) == (
            "appeal",
            "verified",
            "ada@example.com",
        )
        assert (link.refused_request_id, link.refused_by, link.statement) == (
            refused_id,
            REFUSER,
            "Please look again",
        )
        # Colorado: 45 days from the day the appeal arrived (9 Dec 2026).
        assert appeal.due_on == date(2027, 1, 23)
        assert verify_chain(session).ok


def test_virginia_appeal_is_due_in_60_days(db: Database, store: Store) -> None:
    appeal_id = _open(db, _refused(db, store, "VA"), at=REFUSED_AT)
    with db.read() as session:
        appeal = session.get(Request, appeal_id)
        assert appeal.due_on == date(2027, 2, 2)


def test_a_used_link_or_a_second_appeal_changes_nothing(db: Database, store: Store) -> None:
    refused_id = _refused(db, store)
    _open(db, refused_id, fingerprint="a" * 64, at=REFUSED_AT)
    before = _count(db, Request)
    with pytest.raises(AppealError, match="already been used"):
        _open(db, refused_id, fingerprint="a" * 64, at=REFUSED_AT)
    with pytest.raises(AppealError, match="already been appealed"):
        _open(db, refused_id, fingerprint="b" * 64, at=REFUSED_AT)
    assert _count(db, Request) == before
    assert _count(db, UsedToken) == 1


def test_appeal_after_the_window_or_not_refused_or_not_us_state(db: Database, store: Store) -> None:
    refused_id = _refused(db, store)
    late = REFUSED_AT + timedelta(days=APPEAL_WINDOW_DAYS, seconds=1)
    with pytest.raises(AppealError, match=f"appeal window of {APPEAL_WINDOW_DAYS} days"):
        _open(db, refused_id, at=late)
    gdpr_id = _refused(db, store, regime="gdpr")
    with pytest.raises(AppealError, match="handled under gdpr, which has no appeal process"):
        _open(db, gdpr_id, at=REFUSED_AT)
    with db.write() as session:
        shop = session.get(Store, store.id)
        open_id = open_request(
            session,
            NewRequest(
                store=shop, type=RequestType.ACCESS, channel=Channel.STAFF, email="b@x.test"
            ),
            actor="staff:x",
        ).id
    with pytest.raises(AppealError, match="was not refused"):
        _open(db, open_id)
    assert _count(db, Appeal) == 0 and _count(db, UsedToken) == 0


def test_the_refuser_cannot_decide_and_a_reason_is_needed(db: Database, store: Store) -> None:
    appeal_id = _open(db, _refused(db, store), at=REFUSED_AT)
    with db.write() as session:
        appeal = session.get(Request, appeal_id)
        with pytest.raises(AppealError, match="someone other than the person who refused"):
            decide_appeal(session, appeal, actor=REFUSER.upper(), grant=True, reason="ok")
        with pytest.raises(AppealError, match="needs its reasons"):
            decide_appeal(session, appeal, actor=OFFICER, grant=True, reason=" ")
    with db.read() as session:
        assert session.get(Request, appeal_id).status == Status.VERIFIED


def test_granted_appeal_reopens_the_request_type(db: Database, store: Store) -> None:
    refused_id = _refused(db, store)
    appeal_id = _open(db, refused_id, at=REFUSED_AT)
    with db.write() as session:
        appeal = session.get(Request, appeal_id)
        decision = decide_appeal(
            session, appeal, actor=OFFICER, grant=True, reason="The tax hold has ended."
        )
        assert decision.granted and decision.attorney_general is None
        reopened = decision.reopened
        assert (reopened.type, reopened.status, reopened.email) == (
            "erasure",
            "verified",
            "ada@example.com",
        )
        assert appeal.status == Status.COMPLETED
    with db.read() as session:
        assert verify_chain(session).ok


def test_denied_appeal_names_the_states_attorney_general(db: Database, store: Store) -> None:
    appeal_id = _open(db, _refused(db, store, "TX"), at=REFUSED_AT)
    with db.write() as session:
        appeal = session.get(Request, appeal_id)
        decision = decide_appeal(
            session, appeal, actor=OFFICER, grant=False, reason="The records are still required."
        )
        assert not decision.granted and decision.reopened is None
        assert decision.attorney_general == attorney_general("us-tx")
        assert "texasattorneygeneral.gov" in decision.attorney_general.url
        assert (appeal.status, appeal.rejection_text) == (
            Status.REJECTED,
            "The records are still required.",
        )


def test_attorney_general_table_covers_the_appeal_states() -> None:
    assert {s: bool(attorney_general(s)) for s in ("VA", "CO", "CT", "TX", "OR", "UT")} == {
        "VA": True,
        "CO": True,
        "CT": True,
        "TX": True,
        "OR": True,
        "UT": False,
    }


def test_appeal_link_round_trip_and_refusals(db: Database, store: Store) -> None:
    config = load_config({})
    refused_id = _refused(db, store)
    with db.read() as session:
        refused = session.get(Request, refused_id)
        url = appeal_url(config, refused, now=REFUSED_AT.timestamp())
    token = url.split("token=", 1)[1]
    read = read_appeal_token(config, token, now=REFUSED_AT.timestamp() + 86400)
    assert read.request_id == refused_id and len(read.fingerprint) == 64
    late = REFUSED_AT.timestamp() + (APPEAL_WINDOW_DAYS + 1) * 86400
    with pytest.raises(AppealError, match="expired"):
        read_appeal_token(config, token, now=late)
    with pytest.raises(AppealError, match="not valid"):
        other = config.replace(token_secret="another-secret-of-another-installation")
        read_appeal_token(other, token, now=REFUSED_AT.timestamp())
    with pytest.raises(AppealError, match="incomplete"):
        read_appeal_token(config, token[:20], now=REFUSED_AT.timestamp())
    _open(db, read.request_id, fingerprint=read.fingerprint, at=REFUSED_AT)
    with pytest.raises(AppealError, match="already been used"):
        _open(db, read.request_id, fingerprint=read.fingerprint, at=REFUSED_AT)
