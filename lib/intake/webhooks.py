"""`POST /webhooks/shopify`: the endpoint Shopify's compliance and `app/uninstalled` webhooks
are delivered to."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lib.intake.compliance import Delivery, handle_delivery

router = APIRouter(tags=["webhooks"])
WEBHOOK_PATH = "/webhooks/shopify"


def _header(request: Request, *names: str) -> str | None:
    """The first of `names` present (Shopify's newer deliveries drop the `X-` prefix)."""
    for name in names:
        value = request.headers.get(name)
        if value is not None:
            return value
    return None


@router.post(
    WEBHOOK_PATH,
    summary="Shopify compliance and app/uninstalled webhooks",
    responses={
        200: {"description": "received (or a replay of a delivery already received)"},
        400: {"description": "authentic but unusable: no webhook id, or a body that is not JSON"},
        401: {"description": "missing or invalid X-Shopify-Hmac-Sha256; nothing stored"},
    },
)
async def shopify_webhook(request: Request) -> JSONResponse:
    """`customers/data_request`, `customers/redact`, `shop/redact`, `app/uninstalled` (topic in
    X-Shopify-Topic)."""
    delivery = Delivery(
        body=await request.body(),
        hmac=_header(request, "x-shopify-hmac-sha256", "shopify-hmac-sha256"),
        topic=_header(request, "x-shopify-topic", "shopify-topic"),
        shop=_header(request, "x-shopify-shop-domain", "shopify-shop-domain"),
        webhook_id=_header(
            request,
            "x-shopify-webhook-id",
            "shopify-webhook-id",
            "x-shopify-event-id",
            "shopify-event-id",
        ),
    )
    config, db = request.app.state.config, request.app.state.db
    result = await run_in_threadpool(handle_delivery, db, config, delivery)
    if result.status == 401:
        return JSONResponse({"detail": "invalid webhook signature"}, status_code=401)
    if result.status == 400:
        return JSONResponse({"detail": result.outcome.replace("_", " ")}, status_code=400)
    return JSONResponse({"status": result.outcome}, status_code=result.status)
