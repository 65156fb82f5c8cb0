"""Which mail goes out on which event, according to the merchant's settings — decided only here.

- Request opened already verified (logged in, webhook, staff): the merchant's `merchant_request`
  (notify_merchant_new_request); the customer's `received` confirmation
  (notify_customer_received) for storefront requests only.
- Guest request opened: the `verify` mail, always (it is how the request is confirmed); nothing
  to the merchant until it is verified, so a stranger cannot make the store mail its merchant.
- Guest request verified: the customer's `received` confirmation (notify_customer_verified) and
  the merchant's `merchant_request` (notify_merchant_verified).
- Export ready, data ready, deadline approaching: `notify_merchant` / `notify_customer` with the
  events of MERCHANT_EVENTS / CUSTOMER_EVENTS.

Merchant mails go to the request's store: its `contact_email` (filled from Shopify's
`contactEmail` at install, editable per store on Settings); the global `merchant_email` setting
is only the fallback for a store without one.

Customer mails are written in the request's language (`requests.locale`, else the shop's
`shop_language`); their opening paragraph is the merchant's text for that language if there is
one (`lib.core.texts`). Merchant mails stay in English, like the dashboard.

Every mail is queued in the caller's transaction with a dedupe key, so calling a hook twice for
the same request sends each mail once. Links are built from `PUBLIC_BASE_URL` and the app proxy
prefix: point `PUBLIC_BASE_URL` at the shop's domain to send customers through the storefront.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib.core import i18n, texts
from lib.core.config import Config, get_config
from lib.core.enums import Channel, RequestType
from lib.core.models import Customer, OutboxMail, Request, Store
from lib.core.settings import all_settings
from lib.mail.outbox import queue_mail
from lib.security import issue_token, read_token

VERIFY_PURPOSE = "verify"
_SETTINGS = "merchant_settings"

TYPE_LABELS = {
    RequestType.ACCESS: i18n.N_("get a copy of your data"),
    RequestType.ERASURE: i18n.N_("erase your data"),
    RequestType.CORRECTION: i18n.N_("correct your data"),
    RequestType.OPT_OUT: i18n.N_("opt out of the sale or sharing of your data"),
    RequestType.SHOP_ERASURE: i18n.N_("erase all data of the shop"),
    RequestType.APPEAL: i18n.N_("reconsider our decision"),
}
"""What the customer asked for, as it continues "your request to …" (translated in mails)."""
TYPE_NAMES = {
    RequestType.ACCESS: "data export",
    RequestType.ERASURE: "erasure",
    RequestType.CORRECTION: "correction",
    RequestType.OPT_OUT: "opt-out of sale or sharing",
    RequestType.SHOP_ERASURE: "erasure of all shop data (shop/redact)",
    RequestType.APPEAL: "appeal of a refused request",
}
CHANNEL_LABELS = {
    Channel.LOGGED_IN: "storefront, customer logged in",
    Channel.GUEST: "storefront, verified by email",
    Channel.WEBHOOK: "Shopify compliance webhook",
    Channel.STAFF: "recorded by staff",
}

# event → (setting that switches it on, template)
MERCHANT_EVENTS: dict[str, tuple[str, str]] = {
    "new_request": ("notify_merchant_new_request", "merchant_request"),
    "verified": ("notify_merchant_verified", "merchant_request"),
    "export_ready": ("notify_merchant_export_ready", "export_ready"),
    "deadline": ("notify_merchant_deadline", "merchant_deadline"),
}
CUSTOMER_EVENTS: dict[str, tuple[str, str]] = {
    "received": ("notify_customer_received", "received"),
    "verified": ("notify_customer_verified", "received"),
    "data_ready": ("notify_customer_data_ready", "data_ready"),
}
STOREFRONT_CHANNELS = frozenset({Channel.LOGGED_IN, Channel.GUEST})
OPENINGS = {
    "verify": "text_mail_verify",
    "received": "text_mail_received",
    "data_ready": "text_mail_data_ready",
    "passphrase": "text_mail_passphrase",
}
"""Customer mail template → the merchant text that opens it."""


def setting(session: Session, key: str) -> Any:
    """A merchant setting as of this transaction: all settings are read once per session."""
    snapshot = session.info.get(_SETTINGS)
    if snapshot is None:
        snapshot = session.info[_SETTINGS] = all_settings(session)
    return snapshot[key]


def read_settings(session: Session) -> dict[str, Any]:
    """All merchant settings, read once for `session` (and kept for `setting`)."""
    setting(session, "guest_support")
    snapshot: dict[str, Any] = session.info[_SETTINGS]
    return snapshot


def share_settings(session: Session, snapshot: dict[str, Any]) -> None:
    """Let `session` use settings read earlier (outside its write lock) instead of reading them."""
    session.info[_SETTINGS] = snapshot


def store_view(store: Store) -> dict[str, Any]:
    """What the mail layout shows of a store: its name and its contact address."""
    return {"name": store.name, "contact_email": store.contact_email}


def request_view(request: Request) -> dict[str, Any]:
    """The fields of a request that mails may show."""
    return {
        "reference": request.reference,
        "type": request.type,
        "type_label": TYPE_LABELS.get(RequestType(request.type), request.type),
        "type_name": TYPE_NAMES.get(RequestType(request.type), request.type),
        "channel_label": CHANNEL_LABELS.get(Channel(request.channel), request.channel),
        "status": str(request.status).replace("_", " "),
        "email": request.email,
        "name": request.name,
        "received_at": request.received_at.strftime("%Y-%m-%d %H:%M UTC"),
        "due_on": request.due_on.isoformat(),
        "due_date": request.due_on,
        "contract_due_on": request.contract_due_on.isoformat() if request.contract_due_on else None,
    }


def mail_locale(session: Session, request: Request) -> str:
    """The language of the request's customer mails: the request's own, else the shop's."""
    return i18n.negotiate([request.locale], str(setting(session, "shop_language")))


def _customer_context(
    session: Session, request: Request, store: Store, template: str, locale: str
) -> dict[str, Any]:
    """What every customer mail shows: store, request and the opening in `locale`."""
    what = i18n.gettext(locale, TYPE_LABELS.get(RequestType(request.type), request.type))
    opening = texts.text_for(
        read_settings(session), OPENINGS[template], locale, store=store.name, what=what
    )
    return {"store": store_view(store), "request": request_view(request), "opening": opening}


def public_url(config: Config, path: str, query: dict[str, str] | None = None) -> str:
    """An absolute link under the app proxy prefix, e.g. public_url(c, "/verify", {...})."""
    base = config.public_base_url.rstrip("/") + "/" + config.app_proxy_prefix.strip("/")
    suffix = f"?{urllib.parse.urlencode(query)}" if query else ""
    return f"{base}{path}{suffix}"


def verify_url(config: Config, token: str) -> str:
    """The *Verify Request* link for a token."""
    return public_url(config, "/verify", {"token": token})


def send_verification(
    session: Session, request: Request, store: Store, *, config: Config | None = None
) -> str:
    """Issue a single-use verification token for `request`, queue the mail; return the token.

    Used for the first mail and for the dashboard's *Resend verification* (each call sends a
    new link; earlier unused links keep working until they expire).
    """
    config = config or get_config()
    hours = int(setting(session, "verification_link_hours"))
    token = issue_token(config.token_secret, VERIFY_PURPOSE, str(request.id), hours * 3600)
    token_id = read_token(token, config.token_secret, VERIFY_PURPOSE).token_id
    locale = mail_locale(session, request)
    queue_mail(
        session,
        template="verify",
        to=request.email,
        context={
            **_customer_context(session, request, store, "verify", locale),
            "verify_url": verify_url(config, token),
            "link_hours": hours,
        },
        dedupe_key=f"verify:{request.id}:{token_id}",
        request_id=request.id,
        locale=locale,
    )
    return token


def notify_customer(
    session: Session,
    request: Request,
    store: Store,
    *,
    event: str,
    context: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> OutboxMail | None:
    """Queue the customer's mail for `event` if its setting is on and the request has an email."""
    switch, template = CUSTOMER_EVENTS[event]
    if not request.email or not setting(session, switch):
        return None
    locale = mail_locale(session, request)
    return queue_mail(
        session,
        template=template,
        to=request.email,
        context={
            **_customer_context(session, request, store, template, locale),
            "verified": event == "verified",
            **(context or {}),
        },
        dedupe_key=dedupe_key or f"customer:{event}:{request.id}",
        request_id=request.id,
        locale=locale,
    )


def send_passphrase(
    session: Session, request: Request, store: Store, *, passphrase: str, dedupe_key: str
) -> OutboxMail | None:
    """Queue the mail with an encrypted package's passphrase (apart from its download link)."""
    locale = mail_locale(session, request)
    return queue_mail(
        session,
        template="passphrase",
        to=request.email,
        context={
            **_customer_context(session, request, store, "passphrase", locale),
            "passphrase": passphrase,
        },
        dedupe_key=dedupe_key,
        request_id=request.id,
        locale=locale,
    )


def merchant_address(session: Session, store: Store) -> str:
    """Where a store's merchant mails go: its own address, else the `merchant_email` fallback.

    The store's address is `stores.contact_email`: Shopify's `contactEmail` at install, editable
    per store on Settings.
    """
    return store.contact_email or str(setting(session, "merchant_email"))


def notify_merchant(
    session: Session,
    request: Request,
    store: Store,
    *,
    event: str,
    context: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> OutboxMail | None:
    """Queue the merchant's mail for `event` to the store's own address, if switched on."""
    switch, template = MERCHANT_EVENTS[event]
    if not setting(session, switch):
        return None
    return queue_mail(
        session,
        template=template,
        to=merchant_address(session, store),
        context={
            "store": store_view(store),
            "request": {**request_view(request), "name": _person_name(session, request)},
            "event": event,
            **(context or {}),
        },
        dedupe_key=dedupe_key or f"merchant:{event}:{request.id}",
        request_id=request.id,
    )


def _person_name(session: Session, request: Request) -> str | None:
    """The request's name, else its matched store customer's (a webhook request has no name of
    its own): merchant mails say who asked, not only the address."""
    if request.name or not request.customer_id:
        return request.name
    customer = session.scalars(
        select(Customer).where(
            Customer.store_id == request.store_id, Customer.shopify_id == request.customer_id
        )
    ).first()
    if customer is None:
        return None
    return " ".join(p for p in (customer.first_name, customer.last_name) if p) or None


def review_url(config: Config, request: Request) -> str:
    """The request's page on the dashboard (for the merchant's mails)."""
    return f"{config.dashboard_url.rstrip('/')}/request?ref={request.reference}"


def on_request_received(
    session: Session, request: Request, store: Store, *, config: Config | None = None
) -> list[OutboxMail]:
    """Mails for a request that arrived already verified (logged in, webhook, staff).

    The customer's confirmation goes only to storefront requests: a webhook's customer asked the
    shop, not this page, and staff-recorded requests are confirmed by staff.
    """
    link = {"review_url": review_url(config or get_config(), request)}
    mails = [notify_merchant(session, request, store, event="new_request", context=link)]
    if Channel(request.channel) in STOREFRONT_CHANNELS:
        mails.append(notify_customer(session, request, store, event="received"))
    return [mail for mail in mails if mail is not None]


def on_verified(
    session: Session, request: Request, store: Store, *, config: Config | None = None
) -> list[OutboxMail]:
    """Mails for a guest request the customer has just verified with the emailed link."""
    link = {"review_url": review_url(config or get_config(), request)}
    mails = [
        notify_customer(session, request, store, event="verified"),
        notify_merchant(session, request, store, event="verified", context=link),
    ]
    return [mail for mail in mails if mail is not None]
