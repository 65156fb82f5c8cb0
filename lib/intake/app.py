"""The intake service (FastAPI): storefront page, verify links, compliance webhooks, health.

`create_app()` wires the routers below; `python -m lib intake` serves it with uvicorn. State the
replicas must share (requests, rate limits, used tokens, webhook receipts) is in the database,
so any number of intake processes can run behind a load balancer.
"""

from __future__ import annotations

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from lib.core import i18n
from lib.core.config import Config, get_config
from lib.core.db import Database, DatabaseUnavailable, get_database
from lib.core.i18n import N_
from lib.core.network import LoopbackHostMiddleware, ResponseHeadersMiddleware, is_loopback
from lib.intake import downloads, oauth, storefront, webhooks
from lib.intake.middleware import (
    DEFAULT_HEADERS,
    FRAME_DENY,
    BodyLimitMiddleware,
    DatabaseBusyMiddleware,
)
from lib.intake.pages import page_response
from lib.intake.proxy import ProxyRefused

BODY_LIMIT = 64 * 1024
WEBHOOK_BODY_LIMIT = 1024 * 1024
"""Compliance webhooks may list thousands of order ids; refusing one would lose a legal request."""

REFUSED_TITLE = N_("Please open this page from the store")
REFUSED = N_(
    "This page can only be opened from the store's website. Please go back to the store and "
    "open Customer Data Requests again."
)


def create_app(db: Database | None = None, config: Config | None = None) -> FastAPI:
    """The intake application over `db` and `config` (defaults: the process-wide ones)."""
    config = config or get_config()
    db = db or get_database(config.database_url)
    app = FastAPI(
        title="Privacy Desk intake",
        version="1",
        summary="Customer Data Requests for Shopify storefronts, and compliance webhooks.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.db = db
    app.state.config = config
    app.state.submissions = anyio.CapacityLimiter(storefront.SUBMIT_CONCURRENCY)
    prefix = config.app_proxy_prefix.rstrip("/")

    # Routers. Storefront routes (page, verify, download) live under the app proxy prefix:
    # include a router with `prefix=prefix`, or as is when it carries the prefix itself.
    app.include_router(storefront.router, prefix=prefix)
    app.include_router(downloads.router, prefix=prefix)
    app.include_router(webhooks.router)
    app.include_router(oauth.router)  # the app's install: /auth/install, /auth/callback

    @app.exception_handler(ProxyRefused)
    def _refused(request: Request, _exc: ProxyRefused) -> Response:
        if request.url.path.startswith(f"{prefix}/api/"):
            return JSONResponse({"detail": "unsigned or expired storefront request"}, 401)
        locale = i18n.negotiate(i18n.accept_language(request.headers.get("accept-language")))
        context = {
            "title": i18n.gettext(locale, REFUSED_TITLE),
            "message": i18n.gettext(locale, REFUSED),
            "problem": True,
            "store_name": i18n.gettext(locale, "Customer Data Requests"),
            "link_url": None,
            "link_text": "",
        }
        return page_response(
            "message.html.j2", context, liquid=False, shop=None, locale=locale, status=401
        )

    @app.get("/healthz", tags=["operations"], summary="Liveness and database reachability")
    def healthz() -> JSONResponse:
        try:
            db.check()
        except DatabaseUnavailable:
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ok", "database": "ok"})

    # Innermost first; the security headers are outermost, so refusals (408, 413, 421) get them.
    app.add_middleware(DatabaseBusyMiddleware)
    app.add_middleware(
        BodyLimitMiddleware,
        limit=BODY_LIMIT,
        limits={webhooks.WEBHOOK_PATH: WEBHOOK_BODY_LIMIT},
        seconds=config.request_timeout_seconds,
    )
    if is_loopback(config.intake_host) and config.trusted_proxy_hops == 0:
        app.add_middleware(LoopbackHostMiddleware)  # only this machine's browser: DNS rebinding
    app.add_middleware(
        ResponseHeadersMiddleware, headers=DEFAULT_HEADERS, without_csp=(FRAME_DENY,)
    )
    return app
