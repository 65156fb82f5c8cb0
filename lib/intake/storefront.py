"""The storefront's Customer Data Requests page, its JSON twin, and the *Verify Request* link.

Routes are relative to the app proxy prefix (default `/apps/privacy`). The page posts its form to
its own address, so it works both through Shopify's proxy (which signs the post again) and on its
own with a walk-through link. The JSON routes give themes the same behaviour for `fetch`.
Every answer is in the page's language (`lib.intake.languages`), which the request keeps.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select

from lib.core import i18n, request_types, texts
from lib.core.corrections import parse_correction, record_ask
from lib.core.db import Database
from lib.core.enums import OPEN_STATUSES, RequestType, Status
from lib.core.i18n import N_
from lib.core.models import Store
from lib.intake import appeal
from lib.intake.customers import customer_by_id
from lib.intake.languages import (
    LIQUID_LOCALE,
    LOCALE_PARAM,
    page_locale,
    picker,
    requested_locale,
)
from lib.intake.links import signed_query
from lib.intake.pages import page_response
from lib.intake.proxy import STANDALONE, ProxyRefused, Storefront, storefront, verify_proxy
from lib.intake.submit import (
    IntakeRefused,
    InvalidEmail,
    Submission,
    normalise_email,
    submit_guest,
    submit_logged_in,
)
from lib.intake.verify import VerifyOutcome, verify_request
from lib.mail.notifications import read_settings

router = APIRouter(tags=["storefront"])

LOGIN_URL = "/account/login"
NOTICES = {
    "verified": N_("Your request has been verified. Your data will be sent to you shortly."),
    "verified_request": N_(
        "Your request has been verified. We will tell you by email what happens and when."
    ),
}
"""After the Verify Request link: a data export's notice, and every other type's."""
GUEST_ACCEPTED = N_(
    "Thank you. We have sent an email to the address you entered. Please open it and click "
    "Verify Request to confirm that the request is yours."
)
CUSTOMER_ACCEPTED = N_(
    "Thank you. Your request has been received and your data will be sent to you shortly."
)
ACCEPTED = {
    RequestType.ERASURE: N_(
        "Thank you. Your request to delete your data has been received. We will tell you by "
        "email what happens and when."
    ),
}
"""A logged-in customer's confirmation per type, where CUSTOMER_ACCEPTED does not fit."""
ALREADY_OPEN = N_(
    "You already have a request of this kind open with us (%(reference)s). We are working on "
    "it and will tell you by email what happens and when."
)
"""A logged-in customer asking again: they are signed in, so saying so reveals nothing."""
BUTTONS = {
    RequestType.ACCESS: N_("Request Data Export"),
    RequestType.ERASURE: N_("Delete My Data"),
    RequestType.CORRECTION: N_("Correct my data"),
    RequestType.OPT_OUT: N_("Do not sell or share my data"),
}
"""The page's button per request type (a new type adds its label here)."""
NOT_OFFERED = N_("This store does not take this kind of request on this page.")
ENTER_EMAIL = N_("Please enter your email address.")
REFUSALS = frozenset(
    {
        ENTER_EMAIL,
        NOT_OFFERED,
        N_("This email address is too long."),
        N_("Please log in to your account to request your data from this store."),
        N_(
            "We could not find the email address of your account. "
            "Please contact the store so that it can take your request."
        ),
        N_("We could not reach the shop to confirm your account. Please try again in a minute."),
    }
)
"""The intake's refusals, word for word as `lib.intake.submit` writes them, to translate."""
INVALID_EMAIL = N_("This is not a valid email address.")
BACK = N_("Back to Customer Data Requests")
Mode = Literal["logged_in", "guest", "login_required"]
SUBMIT_CONCURRENCY = 4
"""Submissions in worker threads at once, per process; the others wait their turn in order on
the event loop, where waiting costs nothing. They serialise on the database anyway (SQLite's
write lock, the audit chain's head on PostgreSQL), and forty threads contending for one GIL and
fifteen pooled connections cost more than the work: PostgreSQL, 50 clients, one process:
127 → 152 submissions/s, p99 973 → 375 ms, 155 → 95 context switches per submission."""


class PageState(BaseModel):
    """What the page shows: the JSON twin of the HTML page."""

    store: str = Field(description="the store's name")
    mode: Mode = Field(
        description="logged_in: one-click button; guest: email form; login_required: "
        "guests are not supported, the customer must log in"
    )
    customer_name: str | None = None
    notice: str | None = None
    types: list[str] = Field(
        default_factory=list, description="the request types this store offers on its page"
    )
    locale: str = Field(
        default=i18n.html_lang(i18n.SOURCE_LOCALE),
        description="the language the page speaks (BCP 47, e.g. pt-BR); notice is in it",
    )


class SubmitBody(BaseModel):
    """A request from the storefront; logged-in customers send no email."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["access", "erasure"] = Field(
        default="access",
        description="access = data export, erasure = delete my data (each if the store offers it)",
    )
    email: str | None = Field(default=None, max_length=320)

    @field_validator("email")
    @classmethod
    def _valid_email(cls, value: str | None) -> str | None:
        return None if value is None else normalise_email(value)


class Accepted(BaseModel):
    """The request is stored (the same answer whether or not the email has an account)."""

    status: Literal["accepted"] = "accepted"
    message: str


class Problem(BaseModel):
    """A refused request, with a message for the customer."""

    detail: str


def _state(request: Request, sf: Storefront, posted: str = "") -> dict[str, Any]:
    db, config = request.app.state.db, request.app.state.config
    with db.read() as session:
        store = session.scalars(select(Store).where(Store.shop_domain == sf.shop)).first()
        settings = read_settings(session)
        customer = None
        if store is not None and sf.customer_id is not None:
            customer = customer_by_id(session, store, sf.customer_id)
    guests = bool(settings["guest_support"])
    mode: Mode = "logged_in" if sf.customer_id else ("guest" if guests else "login_required")
    locale = page_locale(request, sf, config, str(settings["shop_language"]), posted)
    store_name = store.name if store else sf.shop
    notice = NOTICES.get(request.query_params.get("notice", ""))
    offered = request_types.offered(
        store.request_types if store else None, customer.country if customer else None
    )
    return {
        "types": [
            {"value": str(kind), "label": i18n.gettext(locale, BUTTONS[kind])}
            for kind in offered
            if kind in BUTTONS
        ],
        "store_name": store_name,
        "mode": mode,
        "customer_name": customer.name if customer else None,
        "notice": i18n.gettext(locale, notice) if notice else None,
        "locale": locale,
        "intro": texts.text_for(settings, "text_page_intro", locale, store=store_name),
        "languages": picker(sf, config, locale),
        "liquid_locale": Markup(LIQUID_LOCALE) if sf.liquid else None,  # noqa: S704 - ours
    }


def offered_by(request: Request, shop: str) -> tuple[RequestType, ...]:
    """The request types `shop`'s page offers (its row's choice, else the default)."""
    with request.app.state.db.read() as session:
        chosen = session.scalars(select(Store.request_types).where(Store.shop_domain == shop))
        return request_types.offered(chosen.first())


def _say(locale: str, exc: IntakeRefused | InvalidEmail) -> str:
    """A refusal in the page's language (a message not known here stays as written)."""
    if isinstance(exc, IntakeRefused) and exc.status == 429 and exc.retry_after:
        minutes = max(1, round(exc.retry_after / 60))
        ngettext = i18n.translations(locale).ngettext
        return ngettext(
            "Too many requests. Please try again in about %(num)d minute.",
            "Too many requests. Please try again in about %(num)d minutes.",
            minutes,
        ) % {"num": minutes}
    message = exc.message if isinstance(exc, IntakeRefused) else str(exc)
    if message in REFUSALS:
        return i18n.gettext(locale, message)
    if isinstance(exc, InvalidEmail) and locale != i18n.SOURCE_LOCALE:
        return i18n.gettext(locale, INVALID_EMAIL)
    return message


def _page(sf: Storefront, state: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "title": i18n.gettext(state["locale"], "Customer Data Requests"),
        "error": None,
        "email": None,
        "done": False,
        "login_url": f"{LOGIN_URL}?{urllib.parse.urlencode({'return_url': sf.path_prefix})}",
        **state,
        **extra,
    }


def _render(
    sf: Storefront, context: dict[str, Any], status: int = 200, retry_after: int | None = None
) -> Response:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return page_response(
        "page.html.j2",
        context,
        liquid=sf.liquid,
        shop=sf.shop,
        locale=context["locale"],
        status=status,
        headers=headers,
    )


def _kind(state: dict[str, Any], raw: str) -> RequestType:
    """The request type asked for, if the store offers it on its page, else IntakeRefused."""
    if raw not in {t["value"] for t in state["types"]}:
        raise IntakeRefused(403, NOT_OFFERED)
    return RequestType(raw)


def _submit(
    request: Request,
    sf: Storefront,
    email: str | None,
    *,
    locale: str,
    kept: str | None,
    kind: RequestType = RequestType.ACCESS,
    correction: tuple[str, dict[str, str]] | None = None,
) -> str:
    """Store the request with `kept` as its language; returns the message for the customer in
    `locale` or raises IntakeRefused."""
    db, config = request.app.state.db, request.app.state.config
    if sf.customer_id is not None:
        done = submit_logged_in(
            db,
            config,
            customer_id=sf.customer_id,
            shop=sf.shop,
            address=sf.address,
            locale=kept,
            kind=kind,
        )
        _keep_correction(db, done, kind, correction)
        if not done.created:
            return i18n.gettext(locale, ALREADY_OPEN, reference=done.reference)
        return i18n.gettext(locale, ACCEPTED.get(kind, CUSTOMER_ACCEPTED))
    if email is None:
        raise IntakeRefused(422, ENTER_EMAIL)
    done = submit_guest(
        db, config, email=email, shop=sf.shop, address=sf.address, locale=kept, kind=kind
    )
    _keep_correction(db, done, kind, correction)
    return i18n.gettext(locale, GUEST_ACCEPTED)


def _keep_correction(
    db: Database,
    done: Submission,
    kind: RequestType,
    correction: tuple[str, dict[str, str]] | None,
) -> None:
    """What a new correction request asks to change, kept beside it (a repeat keeps the first)."""
    if kind is RequestType.CORRECTION and correction is not None and done.created:
        with db.write() as session:
            record_ask(session, done.request_id, *correction)


@router.get("", response_class=Response, summary="The Customer Data Requests page")
def page(request: Request, sf: Annotated[Storefront, Depends(storefront)]) -> Response:
    """HTML (standalone) or Liquid (inside the theme) for the signed storefront request."""
    return _render(sf, _page(sf, _state(request, sf)))


async def _in_turn(request: Request, work: Callable[[], Response]) -> Response:
    """Run a submission's blocking work in a worker thread, SUBMIT_CONCURRENCY at a time."""
    return await anyio.to_thread.run_sync(work, limiter=request.app.state.submissions)


@router.post("", response_class=Response, summary="Submit the page's form")
async def page_submit(
    request: Request,
    sf: Annotated[Storefront, Depends(storefront)],
    email: Annotated[str, Form(max_length=1000)] = "",
    locale: Annotated[str, Form(max_length=100)] = "",
    type: Annotated[str, Form(max_length=32)] = "access",
    correction_note: Annotated[str, Form(max_length=4000)] = "",
    first_name: Annotated[str, Form(max_length=500)] = "",
    last_name: Annotated[str, Form(max_length=500)] = "",
    new_email: Annotated[str, Form(max_length=1000)] = "",
    phone: Annotated[str, Form(max_length=200)] = "",
    address1: Annotated[str, Form(max_length=1000)] = "",
    city: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """The form's post: logged in → one click; guest → email, then a verification mail.

    *Correct my data* also posts what is wrong (`correction_note`) and the optional corrected
    values, kept beside the request (`lib.core.corrections`).

    Inside the theme the form posts the storefront's language (`locale`, filled in by Shopify's
    Liquid), so the request keeps the language the customer was shopping in.
    """

    def work() -> Response:
        state = _state(request, sf, posted=locale)
        language = state["locale"]
        try:
            kind = _kind(state, type)
            typed = None if sf.customer_id else normalise_email(email)
            stated = parse_correction(
                {
                    "correction_note": correction_note,
                    "first_name": first_name,
                    "last_name": last_name,
                    "new_email": new_email,
                    "phone": phone,
                    "address1": address1,
                    "city": city,
                }
            )
            message = _submit(
                request, sf, typed, locale=language, kept=language, kind=kind, correction=stated
            )
        except InvalidEmail as exc:
            context = _page(sf, state, error=_say(language, exc), email=email.strip()[:320])
            return _render(sf, context, 422)
        except IntakeRefused as exc:
            context = _page(sf, state, error=_say(language, exc), done=exc.status == 403)
            return _render(sf, context, exc.status, exc.retry_after)
        return _render(sf, _page(sf, {**state, "notice": message}, done=True))

    return await _in_turn(request, work)


@router.get("/api/state", response_model=PageState, summary="What the page would show")
def api_state(request: Request, sf: Annotated[Storefront, Depends(storefront)]) -> PageState:
    """The page's state as JSON, for themes that build their own form."""
    state = _state(request, sf)
    return PageState(
        store=state["store_name"],
        mode=state["mode"],
        customer_name=state["customer_name"],
        notice=state["notice"],
        types=[t["value"] for t in state["types"]],
        locale=i18n.html_lang(state["locale"]),
    )


@router.post(
    "/api/requests",
    status_code=202,
    response_model=Accepted,
    responses={401: {"model": Problem}, 403: {"model": Problem}, 429: {"model": Problem}},
    summary="Submit a request (JSON)",
)
async def api_submit(
    request: Request, body: SubmitBody, sf: Annotated[Storefront, Depends(storefront)]
) -> Response:
    """Logged in: no email (the account's is used). Guest: `email`, verified by a link."""
    if sf.customer_id is not None and body.email is not None:
        return JSONResponse(
            {"detail": "Logged-in customers do not send an email: the account's is used."},
            status_code=422,
        )

    # No database read for the language: a request that names none keeps None and its mails
    # take the shop's language; the answer is then in the source language.
    asked = requested_locale(request, sf, request.app.state.config)
    language = asked or i18n.SOURCE_LOCALE

    def work() -> Response:
        try:
            kind = RequestType(body.type)
            if kind not in offered_by(request, sf.shop):
                raise IntakeRefused(403, NOT_OFFERED)
            message = _submit(request, sf, body.email, locale=language, kept=asked, kind=kind)
        except IntakeRefused as exc:
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
            detail = _say(language, exc)
            return JSONResponse({"detail": detail}, status_code=exc.status, headers=headers)
        # A Response of our own: FastAPI would validate a returned model again.
        return Response(
            Accepted(message=message).model_dump_json(), 202, media_type="application/json"
        )

    return await _in_turn(request, work)


VERIFY_PAGES: dict[VerifyOutcome, tuple[int, str, str]] = {
    VerifyOutcome.INVALID: (
        400,
        N_("This link is not valid"),
        N_(
            "This verification link is incomplete or was not issued by this store. Please use "
            "the link from the most recent email, or submit your request again."
        ),
    ),
    VerifyOutcome.EXPIRED: (
        410,
        N_("This link has expired"),
        N_(
            "Verification links work for a limited time. Please submit your request again to "
            "get a new link."
        ),
    ),
    VerifyOutcome.USED: (
        410,
        N_("This link has already been used"),
        N_(
            "Each verification link works once, and this one has been used. If you followed it "
            "before, your request is verified and nothing more is needed."
        ),
    ),
}
ALREADY_VERIFIED = (
    200,
    N_("Already verified"),
    N_("Your request is already verified. Your data will be sent to you shortly."),
)
ALREADY_VERIFIED_REQUEST = (
    200,
    ALREADY_VERIFIED[1],
    N_("Your request is already verified. We will tell you by email what happens and when."),
)
"""The same for every type but a data export."""
CLOSED = (
    410,
    N_("This request is closed"),
    N_(
        "This request is no longer open (it may have expired before it was verified). Please "
        "submit a new request from the store's Customer Data Requests page."
    ),
)


def _verify_locale(request: Request, locale: str | None) -> str:
    """The request's own language, else the visitor's browser's, else the shop's."""
    with request.app.state.db.read() as session:
        shop_language = str(read_settings(session)["shop_language"])
    browser = i18n.accept_language(request.headers.get("accept-language"))
    return i18n.negotiate([locale, *browser], shop_language)


@router.get("/verify", response_class=Response, summary="Follow the Verify Request link")
def verify(request: Request, token: str = "") -> Response:
    """Verify a guest request; success redirects to the page with its *verified* notice."""
    db, config = request.app.state.db, request.app.state.config
    proxied = None
    if "signature" in request.query_params:
        try:
            proxied = verify_proxy(request, config)
        except ProxyRefused:
            proxied = None
    result = verify_request(db, config, token)
    locale = _verify_locale(request, result.locale)
    if result.outcome is VerifyOutcome.VERIFIED and result.shop:
        prefix = config.app_proxy_prefix
        notice = "verified" if result.kind in (None, "access") else "verified_request"
        shown = {"notice": notice, LOCALE_PARAM: locale}
        if proxied is not None:  # through the shop: Shopify signs the page request itself
            return RedirectResponse(f"{prefix}?{urllib.parse.urlencode(shown)}", status_code=303)
        query = signed_query(config, result.shop, extra={STANDALONE[0]: STANDALONE[1], **shown})
        return RedirectResponse(f"{prefix}?{query}", status_code=303)
    if (
        result.outcome is VerifyOutcome.NOT_PENDING
        and result.status is not None
        and Status(result.status) in OPEN_STATUSES
    ):
        access = result.kind in (None, "access")
        status, title, message = ALREADY_VERIFIED if access else ALREADY_VERIFIED_REQUEST
    elif result.outcome is VerifyOutcome.NOT_PENDING:
        status, title, message = CLOSED
    else:
        status, title, message = VERIFY_PAGES[result.outcome]
    shop = result.shop or (proxied.shop if proxied else None)
    context = {
        "title": i18n.gettext(locale, title),
        "message": i18n.gettext(locale, message),
        "problem": status >= 400,
        "store_name": shop or i18n.gettext(locale, "Customer Data Requests"),
        "link_url": None,
        "link_text": "",
    }
    if proxied is not None:
        back = i18n.gettext(locale, BACK)
        context.update(link_url=config.app_proxy_prefix, link_text=back)
    return page_response(
        "message.html.j2",
        context,
        liquid=proxied is not None,
        shop=shop,
        locale=locale,
        status=status,
    )


router.include_router(appeal.router)  # /appeal: the signed link of a US-state refusal mail
