"""The signed, single-use appeal link a US-state refusal mail carries.

`appeal_url` mints a token for the refused request valid for `lib.core.appeals`'
`APPEAL_WINDOW_DAYS` and returns the storefront's `/appeal` link; `read_appeal_token` checks
signature, purpose and expiry and returns the request id and the token's fingerprint, which
`lib.core.appeals.open_appeal` spends (single use).
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.core.appeals import APPEAL_PURPOSE, APPEAL_WINDOW_DAYS, AppealError
from lib.core.config import Config
from lib.core.models import Request
from lib.mail.notifications import public_url
from lib.security import TokenError, issue_token, read_token, token_fingerprint

APPEAL_PATH = "/appeal"
_REFUSALS = {
    "expired": "This appeal link has expired: the time to appeal has passed.",
    "malformed": "This appeal link is incomplete; open the link from the email again.",
    "bad_signature": "This appeal link is not valid; open the link from the email again.",
    "wrong_purpose": "This link is not an appeal link.",
}


class AppealLinkError(AppealError):
    """The link itself cannot be used; `expired` tells a late link from a broken one."""

    def __init__(self, message: str, *, expired: bool) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True, slots=True)
class AppealToken:
    """A verified appeal link: which refused request, and the fingerprint to spend."""

    request_id: int
    fingerprint: str


def appeal_url(config: Config, request: Request, now: float | None = None) -> str:
    """The appeal link for refused `request` (valid for the appeal window)."""
    ttl = APPEAL_WINDOW_DAYS * 86400
    token = issue_token(config.token_secret, APPEAL_PURPOSE, str(request.id), ttl, now=now)
    return public_url(config, APPEAL_PATH, {"token": token})


def read_appeal_token(config: Config, token: str, now: float | None = None) -> AppealToken:
    """The link's request and fingerprint, or AppealLinkError (one sentence, in English: the
    storefront shows its own translated text by `expired`)."""
    try:
        claims = read_token(token, config.token_secret, APPEAL_PURPOSE, now=now)
    except TokenError as exc:
        message = _REFUSALS.get(exc.reason, "This appeal link is not valid.")
        raise AppealLinkError(message, expired=exc.reason == "expired") from None
    if not claims.subject.isdigit():
        raise AppealLinkError(
            "This appeal link is not valid; open the link from the email again.", expired=False
        )
    return AppealToken(int(claims.subject), token_fingerprint(claims.token_id))
