"""The mails that tell a customer what was decided on their request; the law makes them required.

- Extension: GDPR Art. 12(3) and CCPA Cal. Code Regs. §7021(b) require telling the person of an
  extension, with its reasons, before the first deadline ends (lifecycle refuses a late one).
- Rejection: GDPR Art. 12(4) requires the reasons and the right to complain to a supervisory
  authority and to seek a judicial remedy; the US state laws with an appeal (Virginia, Colorado,
  Connecticut, Texas, Oregon: regime `us_state`) require saying how to appeal (docs/LEGAL.md).
- Completion: what was done, per request type (erasure: CCPA §7022(b)(3) has the business tell
  the consumer it complied). Access completes with its *data ready* mail instead.

None has a setting: they go out whenever staff decide. A new request type adds its completion
text to COMPLETED (and its erasure-like notices here), nothing else.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from lib.core import appeals, register
from lib.core.appeals import APPEAL_WINDOW_DAYS
from lib.core.config import get_config
from lib.core.enums import RejectionCode, RequestType
from lib.core.i18n import N_
from lib.core.models import Appeal, OutboxMail, Request, Store
from lib.mail.appeal_links import appeal_url
from lib.mail.notifications import mail_locale, request_view, store_view
from lib.mail.outbox import queue_mail

APPEAL_REGIMES = frozenset({"us_state"})
"""Regimes whose refusals must say how to appeal (Va. Code §59.1-577(C) and its twins)."""
APPEAL_DAYS = APPEAL_WINDOW_DAYS
"""The window we give for an appeal (Virginia and Colorado: "a reasonable period"); the signed
link expires with it (`lib.core.appeals`)."""
REASONS = {
    RejectionCode.IDENTITY_NOT_VERIFIED: N_("We could not confirm that the request is yours."),
    RejectionCode.MANIFESTLY_UNFOUNDED: N_("The request is manifestly unfounded."),
    RejectionCode.EXCESSIVE: N_(
        "The request is excessive, in particular because it repeats an earlier one."
    ),
    RejectionCode.NO_DATA_FOUND: N_("We hold no personal data about you."),
    RejectionCode.DUPLICATE: N_(
        "It repeats a request of yours that is still open; we are answering that one."
    ),
    RejectionCode.OTHER: N_("The reason is given below."),
}
"""Each structured reason in plain words for the customer."""
COMPLETED = {
    RequestType.CORRECTION: N_("We have corrected your personal data as you asked."),
    RequestType.OPT_OUT: N_(
        "We have recorded your request: we will not sell or share your personal data."
    ),
    RequestType.APPEAL: N_("We have granted your appeal and will carry out your request."),
    RequestType.ERASURE: N_(
        "We have erased your personal data. We keep only what the law obliges us to keep, such "
        "as the records of orders we must retain for tax purposes, and only for as long as "
        "required."
    ),
}
"""What a completed request did, per type (types absent here complete without this mail)."""


def _queue(
    session: Session,
    request: Request,
    store: Store,
    template: str,
    context: dict[str, Any],
    dedupe_key: str,
) -> OutboxMail | None:
    locale = mail_locale(session, request)
    return queue_mail(
        session,
        template=template,
        to=request.email,
        context={"store": store_view(store), "request": request_view(request), **context},
        dedupe_key=dedupe_key,
        request_id=request.id,
        locale=locale,
    )


def on_extended(session: Session, request: Request, store: Store) -> OutboxMail | None:
    """The extension notice: the new date and the reason staff gave (sent once per request)."""
    context = {"new_due": request.due_on, "reason": request.extension_reason or ""}
    return _queue(
        session, request, store, "decision_extended", context, f"decision:extended:{request.id}"
    )


def on_rejected(session: Session, request: Request, store: Store) -> OutboxMail | None:
    """The refusal: the reason in plain words, the complaint right, and how to appeal."""
    code = RejectionCode(request.rejection_code or RejectionCode.OTHER)
    appealable = request.regime in APPEAL_REGIMES and request.type != RequestType.APPEAL
    context = {
        "reason": REASONS[code],
        "explanation": request.rejection_text or "",
        "authority": register.load(session, store).texts.get("authority", ""),
        "appeal": appealable,
        "appeal_days": APPEAL_DAYS,
        "appeal_url": appeal_url(get_config(), request) if appealable else "",
        "attorney_general": _attorney_general(session, request),
    }
    return _queue(
        session, request, store, "decision_rejected", context, f"decision:rejected:{request.id}"
    )


def _attorney_general(session: Session, request: Request) -> dict[str, str] | None:
    """For a denied appeal: the Attorney General of the refused request's state, if known."""
    link = session.get(Appeal, request.id) if request.type == RequestType.APPEAL else None
    refused = session.get(Request, link.refused_request_id) if link else None
    office = appeals.attorney_general(refused.subdivision) if refused else None
    return {"office": office.office, "url": office.url} if office else None


def on_completed(
    session: Session, request: Request, store: Store, *, explanation: str = ""
) -> OutboxMail | None:
    """What was done, for the types in COMPLETED; None for the others. `explanation` (staff's
    words, e.g. why part of a correction was not made) follows the sentence."""
    text = COMPLETED.get(RequestType(request.type))
    if text is None:
        return None
    return _queue(
        session,
        request,
        store,
        "decision_completed",
        {"done": text, "explanation": explanation},
        f"decision:completed:{request.id}",
    )


def on_erasure_scheduled(
    session: Session, request: Request, store: Store, *, held_until: date | None
) -> OutboxMail | None:
    """What happens when: Shopify queued the erasure, at once or held until `held_until`."""
    return _queue(
        session,
        request,
        store,
        "erasure_scheduled",
        {"held_until": held_until},
        f"decision:erasure_scheduled:{request.id}",
    )
