"""The storefront's appeal page, reached from the signed link of a US-state refusal mail.

`GET /appeal?token=` checks the link and shows a form (why the customer disagrees, optional);
`POST` opens the appeal (`lib.core.appeals.open_appeal`, which spends the link) and says by
when it will be answered. A broken, expired, already used or late link gets one translated
sentence and changes nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from lib.core import i18n
from lib.core.appeals import AppealError, check_appealable, open_appeal
from lib.core.i18n import N_
from lib.core.models import Appeal, Store, UsedToken, utcnow
from lib.core.models import Request as DsrRequest
from lib.intake.pages import page_response
from lib.mail.appeal_links import AppealLinkError, AppealToken, read_appeal_token
from lib.mail.notifications import read_settings

router = APIRouter(tags=["storefront"])

TITLE = N_("Appeal our decision")
STATEMENT = N_("Why do you disagree with our decision? (optional)")
SEND = N_("Send appeal")
RECEIVED = N_("We have received your appeal. We will answer it in writing by %(date)s.")
EXPIRED = N_("This appeal link has expired: the time to appeal has passed.")
INVALID = N_("This appeal link is not valid; open the link from the email again.")
ALREADY = N_("We have already received this appeal.")


class _Refused(Exception):
    """What the customer is told instead of the form (a msgid) and the HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


def _locale(request: Request, db_locale: str | None) -> str:
    with request.app.state.db.read() as session:
        shop_language = str(read_settings(session)["shop_language"])
    browser = i18n.accept_language(request.headers.get("accept-language"))
    return i18n.negotiate([db_locale, *browser], shop_language)


def _checked(request: Request, token: str) -> tuple[AppealToken, DsrRequest, Store]:
    """The link, its refused request and store; _Refused when it cannot be used now."""
    try:
        link = read_appeal_token(request.app.state.config, token)
    except AppealLinkError as exc:
        raise _Refused(EXPIRED if exc.expired else INVALID, 410 if exc.expired else 400) from None
    with request.app.state.db.read() as session:
        refused = session.get(DsrRequest, link.request_id)
        if refused is None:
            raise _Refused(INVALID, 400)
        used = session.get(UsedToken, link.fingerprint) is not None or session.scalar(
            select(Appeal.request_id).where(Appeal.refused_request_id == refused.id)
        )
        if used:
            raise _Refused(ALREADY, 409)
        try:
            check_appealable(refused, utcnow())
        except AppealError as exc:
            late = "window" in str(exc)
            raise _Refused(EXPIRED if late else INVALID, 410 if late else 400) from None
        store = session.get_one(Store, refused.store_id)
        session.expunge_all()
    return link, refused, store


def _page(locale: str, store: str, status: int, **context: object) -> Response:
    values = {
        "title": i18n.gettext(locale, TITLE),
        "store_name": store,
        "problem": status >= 400,
        "message": "",
        "link_url": None,
        "link_text": "",
        **context,
    }
    return page_response(
        "appeal.html.j2", values, liquid=False, shop=None, locale=locale, status=status
    )


@router.get("/appeal", response_class=Response, summary="Follow the appeal link of a refusal")
def appeal_form(request: Request, token: str = "") -> Response:
    """The appeal form, or why the link cannot be used."""
    try:
        _link, refused, store = _checked(request, token)
    except _Refused as refused_link:
        locale = _locale(request, None)
        message = i18n.gettext(locale, refused_link.message)
        return _page(locale, "", refused_link.status, message=message)
    locale = _locale(request, refused.locale)
    return _page(
        locale,
        store.name,
        200,
        token=token,
        statement_label=i18n.gettext(locale, STATEMENT),
        send=i18n.gettext(locale, SEND),
    )


@router.post("/appeal", response_class=Response, summary="Send the appeal")
def appeal_submit(
    request: Request,
    token: Annotated[str, Form(max_length=2000)] = "",
    statement: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Open the appeal (the link is spent) and say by when it will be answered."""
    try:
        link, refused, store = _checked(request, token)
        with request.app.state.db.write() as session:
            appeal = open_appeal(
                session,
                session.get_one(DsrRequest, refused.id),
                fingerprint=link.fingerprint,
                statement=statement[:2000],
            )
            due = appeal.due_on
    except (_Refused, AppealError) as exc:
        status = exc.status if isinstance(exc, _Refused) else 409
        message = exc.message if isinstance(exc, _Refused) else ALREADY
        locale = _locale(request, None)
        return _page(locale, "", status, message=i18n.gettext(locale, message))
    locale = _locale(request, refused.locale)
    day = i18n.formatters(locale)["date"](due)
    return _page(locale, store.name, 200, message=i18n.gettext(locale, RECEIVED, date=day))
