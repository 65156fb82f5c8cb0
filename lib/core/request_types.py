"""Which request types a store's storefront offers: the plug-in point for new request types.

A type appears on the Customer Data Requests page only when Privacy Desk can carry it out
(`AVAILABLE`) and the store has switched it on (`stores.request_types`, Settings). A new type
(correction, opt-out) joins `AVAILABLE` once its flow exists, with its button label in
`lib.intake.storefront.BUTTONS` and its completion text in `lib.mail.decisions.COMPLETED`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from lib.core.audit import ChainLink, append_event
from lib.core.enums import EventKind, RequestType
from lib.core.models import Store

ORDER: tuple[RequestType, ...] = (
    RequestType.ACCESS,
    RequestType.ERASURE,
    RequestType.CORRECTION,
    RequestType.OPT_OUT,
)
"""The order of the buttons on the page."""
AVAILABLE: frozenset[RequestType] = frozenset(
    {RequestType.ACCESS, RequestType.ERASURE, RequestType.CORRECTION, RequestType.OPT_OUT}
)
"""Types a customer can ask for on the storefront (their flows are built)."""
DEFAULT: tuple[RequestType, ...] = (RequestType.ACCESS,)
"""What a store offers until staff choose: data export only, as before types were switchable."""
LABELS = {
    RequestType.ACCESS: "Request data export",
    RequestType.ERASURE: "Delete my data",
    RequestType.CORRECTION: "Correct my data",
    RequestType.OPT_OUT: "Do not sell or share my data",
}
"""Staff-facing names (the customer's are translated in lib.intake.storefront)."""


class RequestTypeError(ValueError):
    """A request type the storefront cannot offer; the message names the ones it can."""


US_DEFAULT: tuple[RequestType, ...] = (*DEFAULT, RequestType.OPT_OUT)
"""What a store that has not chosen offers a customer known to be in the US: *Do not sell or
share my data* too (CCPA and the state laws give US consumers that right)."""


def offered(stored: Iterable[str] | None, country: str | None = None) -> tuple[RequestType, ...]:
    """The types a store offers, in page order, from its `stores.request_types` value; until
    the store chooses, a customer in `country` US also gets the opt-out."""
    default = US_DEFAULT if (country or "").upper() == "US" else DEFAULT
    chosen = set(default if stored is None else stored)
    return tuple(t for t in ORDER if t in chosen and t in AVAILABLE)


def parse(types: Iterable[str]) -> tuple[RequestType, ...]:
    """Validate a choice of types (at least one, each available), or raise RequestTypeError."""
    names = ", ".join(LABELS[t] for t in ORDER if t in AVAILABLE)
    chosen: set[RequestType] = set()
    for raw in types:
        try:
            kind = RequestType(raw)
        except ValueError:
            kind = None
        if kind not in AVAILABLE:
            raise RequestTypeError(f"{raw!r} cannot be offered on the storefront; choose {names}")
        chosen.add(kind)
    if not chosen:
        raise RequestTypeError(f"offer at least one request type: {names}")
    return tuple(t for t in ORDER if t in chosen)


def set_offered(
    session: Session, store: Store, types: Iterable[str], *, actor: str
) -> ChainLink | None:
    """Switch a store's storefront types (audited); None when nothing changed. The first choice
    is always kept: it ends the defaults (a US customer's opt-out included)."""
    chosen = parse(types)
    before = offered(store.request_types)
    if chosen == before and store.request_types is not None:
        return None
    store.request_types = [str(t) for t in chosen]
    return append_event(
        session,
        actor=actor,
        kind=EventKind.STORE,
        reason="storefront request types changed",
        details={
            "shop": store.shop_domain,
            "before": [str(t) for t in before],
            "after": [str(t) for t in chosen],
        },
    )
