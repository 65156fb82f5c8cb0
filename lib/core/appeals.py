"""Appeals of refused US-state requests: opened from the refusal's link, decided by someone else.

US state privacy laws require a process to appeal a refusal (docs/APPEALS.md). An appeal is a
request of type `appeal` linked to the refused one (`appeals` row, at most one per refused
request), opened verified from the single-use signed link the refusal mail carried (the link is
minted and read in `lib.mail.appeal_links`; this module spends its fingerprint in `used_tokens`
in the same transaction), due by its state's appeal period (`lib.core.deadlines`). The reviewer
must not be the person who refused the request. Granting opens the original request type again
as a new verified request; refusing closes the appeal with the reason and names the state's
Attorney General, whom the customer may contact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib.core.enums import Channel, EventKind, RejectionCode, RequestType, Status
from lib.core.lifecycle import NewRequest, open_request, reject, transition
from lib.core.models import Appeal, Request, RequestEvent, Store, UsedToken, utcnow

APPEAL_PURPOSE = "appeal"
APPEAL_WINDOW_DAYS = 45
"""How long after the refusal the link accepts an appeal, and what the refusal mail promises.
The laws ask for "a reasonable period" (ORS 646A.576(6)(a)); 45 days is Privacy Desk's choice
(as long as the laws give a business to answer a request)."""
APPEALABLE_REGIMES = frozenset({"us_state"})
LINK_CHECK = "signed appeal link sent to the requester's email address"


@dataclass(frozen=True, slots=True)
class AttorneyGeneral:
    """Where a consumer whose appeal was denied can complain (docs/APPEALS.md, with sources)."""

    state: str
    office: str
    url: str


ATTORNEYS_GENERAL: Mapping[str, AttorneyGeneral] = MappingProxyType(
    {
        "VA": AttorneyGeneral(
            "VA",
            "Office of the Attorney General of Virginia, Consumer Protection Section",
            "https://www.oag.state.va.us/consumer-protection/",
        ),
        "CO": AttorneyGeneral(
            "CO",
            "Colorado Attorney General, Consumer Protection",
            "https://coag.gov/file-complaint/",
        ),
        "CT": AttorneyGeneral(
            "CT",
            "Connecticut Office of the Attorney General, Privacy and Data Security",
            "https://portal.ct.gov/ag/sections/privacy/the-connecticut-data-privacy-act",
        ),
        "TX": AttorneyGeneral(
            "TX",
            "Office of the Texas Attorney General, Consumer Protection Division",
            "https://texasattorneygeneral.gov/consumer-protection/file-consumer-complaint",
        ),
        "OR": AttorneyGeneral(
            "OR",
            "Oregon Department of Justice, Consumer Protection (oregonprivacy@doj.oregon.gov)",
            "https://www.doj.state.or.us/consumer-protection/",
        ),
    }
)


class AppealError(ValueError):
    """An appeal that cannot be opened or decided; the message is one sentence for a person."""


@dataclass(frozen=True, slots=True)
class AppealDecision:
    """What deciding an appeal did: `granted`, the state's AG when denied, the reopened request."""

    granted: bool
    attorney_general: AttorneyGeneral | None
    reopened: Request | None


def attorney_general(state: str | None) -> AttorneyGeneral | None:
    """The AG contact of a US state (``"VA"``, ``"us-va"``), or None for a state not listed."""
    code = (state or "").strip().upper().removeprefix("US-")
    return ATTORNEYS_GENERAL.get(code)


def refused_by(session: Session, request: Request) -> str:
    """Who refused `request` (the actor of its move to rejected)."""
    actor = session.scalar(
        select(RequestEvent.actor)
        .where(
            RequestEvent.request_id == request.id,
            RequestEvent.kind == EventKind.TRANSITION,
            RequestEvent.to_status == Status.REJECTED,
        )
        .order_by(RequestEvent.seq.desc())
        .limit(1)
    )
    if actor is None:
        raise AppealError(f"{request.reference} was not refused, so it cannot be appealed.")
    return actor


def check_appealable(request: Request, now: datetime) -> None:
    """Raise AppealError unless `request` is a refused US-state request inside the window."""
    if request.status != Status.REJECTED or request.closed_at is None:
        raise AppealError(f"{request.reference} was not refused, so it cannot be appealed.")
    if request.regime not in APPEALABLE_REGIMES:
        raise AppealError(
            f"{request.reference} was handled under {request.regime}, which has no appeal process."
        )
    if now > request.closed_at + timedelta(days=APPEAL_WINDOW_DAYS):
        raise AppealError(
            f"The appeal window of {APPEAL_WINDOW_DAYS} days after the refusal of "
            f"{request.reference} has closed."
        )


def open_appeal(
    session: Session,
    refused: Request,
    *,
    fingerprint: str,
    statement: str | None = None,
    at: datetime | None = None,
) -> Request:
    """Open the appeal of `refused` from a link whose token has `fingerprint` (spent here).

    A link already used, a request already appealed, or one outside the window raises
    AppealError and changes nothing.
    """
    at = at or utcnow()
    check_appealable(refused, at)
    if session.get(UsedToken, fingerprint) is not None:
        raise AppealError("This appeal link has already been used.")
    if session.scalar(select(Appeal.request_id).where(Appeal.refused_request_id == refused.id)):
        raise AppealError(f"{refused.reference} has already been appealed.")
    store = session.get(Store, refused.store_id)
    assert store is not None
    who = refused_by(session, refused)
    session.add(UsedToken(fingerprint=fingerprint, purpose=APPEAL_PURPOSE, used_at=at))
    appeal = open_request(
        session,
        NewRequest(
            store=store,
            type=RequestType.APPEAL,
            channel=Channel.GUEST,
            email=refused.email,
            name=refused.name,
            country=refused.country,
            subdivision=refused.subdivision,
            customer_id=refused.customer_id,
            regime=refused.regime,
            locale=refused.locale,
        ),
        actor=f"customer:{refused.email}",
        at=at,
        first=Status.VERIFIED,
        first_reason=LINK_CHECK,
    )
    text = statement.strip() if statement and statement.strip() else None
    session.add(
        Appeal(request_id=appeal.id, refused_request_id=refused.id, refused_by=who, statement=text)
    )
    session.flush()
    return appeal


def decide_appeal(
    session: Session,
    appeal: Request,
    *,
    actor: str,
    grant: bool,
    reason: str,
    at: datetime | None = None,
) -> AppealDecision:
    """Grant or deny an open appeal with a reason; the refuser may not decide it.

    Granting completes the appeal and opens the refused request's type again (verified, staff
    channel); denying rejects the appeal and names the state's Attorney General.
    """
    at = at or utcnow()
    link = session.get(Appeal, appeal.id)
    if link is None or appeal.type != RequestType.APPEAL:
        raise AppealError(f"{appeal.reference} is not an appeal.")
    if not reason or not reason.strip():
        raise AppealError("An appeal decision needs its reasons (they are sent to the customer).")
    if actor.strip().lower() == link.refused_by.strip().lower():
        raise AppealError(
            "The appeal must be decided by someone other than the person who refused the request."
        )
    refused = session.get(Request, link.refused_request_id)
    assert refused is not None
    if not grant:
        ag = attorney_general(refused.subdivision)
        reject(session, appeal, actor=actor, code=RejectionCode.OTHER, text=reason, at=at)
        return AppealDecision(False, ag, None)
    store = session.get(Store, refused.store_id)
    assert store is not None
    reopened = open_request(
        session,
        NewRequest(
            store=store,
            type=RequestType(refused.type),
            channel=Channel.STAFF,
            email=refused.email,
            name=refused.name,
            country=refused.country,
            subdivision=refused.subdivision,
            customer_id=refused.customer_id,
            regime=refused.regime,
            locale=refused.locale,
        ),
        actor=actor,
        at=at,
        first_reason=f"appeal {appeal.reference} granted",
    )
    transition(
        session,
        appeal,
        Status.COMPLETED,
        actor=actor,
        reason="appeal granted",
        details={"text": reason.strip(), "reopened": reopened.reference},
        at=at,
    )
    return AppealDecision(True, None, reopened)
