"""`GET {APP_PROXY_PREFIX}/download/{token}`: the customer's download link.

Routes are relative to the app proxy prefix (`create_app` includes the router with it).

A valid link streams the exact package file; every download is counted and audited in
`lib.jobs.delivery.open_download`. Expired, revoked, used-up and forged links get a short page
that says so (and what to do), with nothing changed, in the browser's language (else the
shop's): a refused link may not name its request.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.concurrency import run_in_threadpool

from lib.core import i18n
from lib.core.i18n import N_
from lib.core.settings import get_setting
from lib.jobs.delivery import DownloadGrant, DownloadRefused, open_download

router = APIRouter(tags=["downloads"])

_PAGES: dict[DownloadRefused, tuple[int, str, str]] = {
    DownloadRefused.INVALID: (
        404,
        N_("This link is not valid"),
        N_("The address may be incomplete. Copy the whole link from the email and try again."),
    ),
    DownloadRefused.EXPIRED: (
        410,
        N_("This link has expired"),
        N_(
            "For your security, download links work for a limited time. Reply to the email "
            "and the store will send you a new link."
        ),
    ),
    DownloadRefused.REVOKED: (
        410,
        N_("This link has been withdrawn"),
        N_("The store has withdrawn this link. Reply to the email if you still need your data."),
    ),
    DownloadRefused.EXHAUSTED: (
        410,
        N_("This link has been used up"),
        N_(
            "The file has already been downloaded as many times as the link allows. Reply to "
            "the email if you need a new link."
        ),
    ),
    DownloadRefused.GONE: (
        410,
        N_("This file is no longer available"),
        N_("The package has been removed. Reply to the email and the store will prepare it again."),
    ),
}


def refusal_page(reason: DownloadRefused, locale: str = i18n.SOURCE_LOCALE) -> HTMLResponse:
    """The page a refused link shows in `locale` (no details that would help a guesser)."""
    status, title, text = _PAGES[reason]
    title, text = i18n.gettext(locale, title), i18n.gettext(locale, text)
    lang, direction = i18n.html_lang(locale), i18n.text_direction(locale)
    body = (
        f'<!DOCTYPE html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head>"
        '<body style="font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;'
        'max-width:560px;margin:48px auto;padding:0 16px;color:#1f2933;line-height:1.55;">'
        f'<h1 style="font-size:22px;">{escape(title)}</h1><p>{escape(text)}</p></body></html>'
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _browser_locale(request: Request) -> str:
    """The visitor's browser's language, else the shop's."""
    with request.app.state.db.read() as session:
        shop_language = str(get_setting(session, "shop_language"))
    return i18n.negotiate(
        i18n.accept_language(request.headers.get("accept-language")), shop_language
    )


@router.get("/download/{token}", response_model=None)
async def download(request: Request, token: str) -> FileResponse | HTMLResponse:
    """Serve the package behind a download link, or a page saying why not."""
    state = request.app.state
    outcome = await run_in_threadpool(open_download, state.db, token, config=state.config)
    if not isinstance(outcome, DownloadGrant):
        locale = await run_in_threadpool(_browser_locale, request)
        return refusal_page(outcome, locale)
    return FileResponse(
        outcome.path,
        media_type="application/zip",
        filename=outcome.filename,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )
