"""The dashboard server's own HTTP route: `GET {baseUrlPath}/reports/requests.csv?token=…`.

`dashboard_server.py` mounts `report_routes()` on Streamlit's ASGI app (`st.App`), so staff
download the request register from the dashboard's origin, never through the public intake
service. A download Streamlit serves is held in the server's memory whole (624k rows took the
process from 217 to 440 MB); this route streams `lib.dashboard.reports.request_csv` chunk by
chunk from a worker thread instead, so memory stays flat whatever the range and the event loop
keeps serving every session meanwhile.

A link is followed only if its signature, purpose and expiry hold, the browser is signed in
with the live session that minted it (sign-in configured), its holder still has the role it
was minted for, and it was not used before; then it is spent and the download audited in one
transaction (`lib.dashboard.actions.request_report`). A refused link answers a short text (403,
410, or 503 while the server is misconfigured) and changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any, Final

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from lib.core.config import Config, get_config
from lib.core.db import Database, get_database
from lib.dashboard import actions, report_links, session, signin
from lib.dashboard.report_links import LinkRefused, Refusal
from lib.dashboard.roles import Actor, PermissionDenied

log = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
PUBLIC_TOKEN_SECRET: Final = Config().token_secret  # the committed local default


@dataclass(frozen=True, slots=True)
class ReportDownload:
    """A spent, audited link: the CSV chunks to stream and the name to give them."""

    chunks: Iterator[bytes]
    filename: str


def open_report(
    db: Database,
    config: Config,
    token: str,
    *,
    sign_in: bool,
    admins: Collection[str] = (),
    local_ok: bool = True,
    browser_session: str | None = None,
    now: float | None = None,
) -> ReportDownload:
    """Check a report link and spend it; LinkRefused (nothing written) when it cannot be used.

    `sign_in` says whether the dashboard signs staff in (roles then come from the staff-role
    table, or `admins` of secrets); without it the link's local-mode role stands, and only while
    the server listens on this machine alone (`local_ok`), as for the pages. The link is the
    only credential the route sees besides the browser's identity cookie (`browser_session`,
    the session it names): with sign-in a link is followed only from the live session that
    minted it, and refused while the token secret is the public default anyone could sign with.
    """
    if sign_in and config.token_secret == PUBLIC_TOKEN_SECRET:
        log.error("report links refused: TOKEN_SECRET is the public default; set it")
        raise LinkRefused(Refusal.UNCONFIGURED)
    if not sign_in and not local_ok:
        raise LinkRefused(Refusal.LOCAL_ONLY)
    link = report_links.read(config, token, now)
    grant = link.grant
    if sign_in:
        report_links.check_session(db, grant, browser_session)
    actor = Actor(grant.email, report_links.holder_role(db, grant, sign_in=sign_in, admins=admins))
    try:
        chunks = actions.request_report(
            db, actor, grant.scope, grant.columns, unmask=grant.unmask, link=link.fingerprint
        )
    except PermissionDenied:  # a role that never had the right (a link minted elsewhere)
        raise LinkRefused(Refusal.ROLE) from None
    return ReportDownload(chunks, grant.filename)


def cookie_session(request: Request) -> str | None:
    """The `lib.dashboard.signin` session named by the request's Streamlit identity cookie
    (`_streamlit_user`, signed with `[auth] cookie_secret`, maybe split in chunks), or None.

    Streamlit has no public reader for its cookie outside a script run; these are the helpers
    its own logout route uses (Streamlit 1.67, pinned).
    """
    from streamlit.auth_util import get_cookie_with_chunks
    from streamlit.web.server.server_util import get_cookie_secret
    from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value
    from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME

    def one(name: str) -> bytes | None:
        value = request.cookies.get(name)
        if value is None:
            return None
        return decode_signed_value(get_cookie_secret(), name, value.encode("latin-1"))

    try:
        raw = get_cookie_with_chunks(one, USER_COOKIE_NAME)
        claims = json.loads(raw) if raw else None
        return signin.identity(claims).session_id if isinstance(claims, dict) else None
    except (ValueError, signin.SignInRefused):
        return None


async def _stream(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """Chunks read in a worker thread; the cursor is closed even if the browser goes away."""
    try:
        async for chunk in iterate_in_threadpool(chunks):
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            await run_in_threadpool(close)


def report_routes(
    base_path: str = "",
    *,
    db: Callable[[], Database] = get_database,
    config: Callable[[], Config] = get_config,
    sign_in: Callable[[], bool] = lambda: session.sign_in_configured(),
    admins: Callable[[], Collection[str]] = lambda: session.bootstrap_admins(),
    local_ok: Callable[[], bool] = lambda: session.local_mode_allowed(),
    browser_session: Callable[[Request], str | None] = lambda r: cookie_session(r),
) -> list[Route]:
    """The route, under `base_path` (Streamlit's `server.baseUrlPath`, which custom routes of
    `st.App` do not get by themselves). Defaults read the process configuration and
    `.streamlit/secrets.toml` at request time, as the pages do; tests pass their own."""

    async def download(request: Request) -> Response:
        token = request.query_params.get("token", "")
        try:
            report = await run_in_threadpool(
                open_report,
                db(),
                config(),
                token,
                sign_in=sign_in(),
                admins=admins(),
                local_ok=local_ok(),
                browser_session=browser_session(request),
            )
        except LinkRefused as refused:
            log.info("report link refused: %s", refused.reason)
            return PlainTextResponse(str(refused), status_code=refused.status, headers=NO_STORE)
        headers: dict[str, Any] = {
            **NO_STORE,
            "Content-Disposition": f'attachment; filename="{report.filename}"',
        }
        return StreamingResponse(
            _stream(report.chunks), media_type="text/csv; charset=utf-8", headers=headers
        )

    return [Route(report_links.route_path(base_path), download, methods=["GET"])]
