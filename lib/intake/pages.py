"""HTML for the storefront: standalone pages, or `application/liquid` fragments for the theme.

Everything a customer or the store typed is HTML-escaped and its braces are turned into entities,
so neither HTML nor Liquid (`{{ … }}`, `{% … %}`) in a name can run when Shopify renders the
fragment: every text in the context is made inert before rendering, including the values that
`{% trans %}` blocks format into a translated sentence. Pages render in the locale they are
given (`lib.core.i18n`); the stylesheet is inline and allowed by its hash in the
Content-Security-Policy.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from lib.core import i18n

TEMPLATE_DIR = Path(__file__).with_name("templates")
STYLE = (TEMPLATE_DIR / "page.css").read_text(encoding="utf-8")
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
LIQUID = "application/liquid"


def inert(value: Any) -> Markup:
    """HTML-escape a value and neutralise Liquid's braces (trusted Markup passes unchanged)."""
    if isinstance(value, Markup):
        return value
    escaped = str(escape(value)).replace("{", "&#123;").replace("}", "&#125;")
    return Markup(escaped)  # noqa: S704 - escaped on the line above


@cache
def _env(locale: str) -> Environment:
    return i18n.jinja_environment(
        locale,
        FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=inert,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def content_security_policy(shop: str | None) -> str:
    """The page's CSP: nothing but our stylesheet and same-origin forms; framed by the shop only."""
    ancestors = f"'self' https://{shop}" if shop else "'self'"
    return (
        f"default-src 'none'; style-src '{STYLE_HASH}'; img-src 'self' data:; "
        f"form-action 'self'; base-uri 'none'; frame-ancestors {ancestors}"
    )


def render(body: str, context: dict[str, Any], *, liquid: bool, locale: str) -> str:
    """Render `body` (a template name) in `locale` as a theme fragment or as a whole page."""
    wrapper = "_liquid.html.j2" if liquid else "_standalone.html.j2"
    style = Markup(STYLE)  # noqa: S704 - our own stylesheet, allowed by its hash
    safe = {
        key: inert(value) if isinstance(value, str) else value for key, value in context.items()
    }
    return _env(locale).get_template(wrapper).render(body=body, style=style, **safe)


def page_response(
    body: str,
    context: dict[str, Any],
    *,
    liquid: bool,
    shop: str | None,
    locale: str = i18n.SOURCE_LOCALE,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """An HTML (or Liquid) response in `locale` with the page's security headers."""
    media_type = LIQUID if liquid else "text/html; charset=utf-8"
    response = HTMLResponse(
        render(body, context, liquid=liquid, locale=locale), status_code=status, headers=headers
    )
    response.headers["content-language"] = i18n.html_lang(locale)
    response.headers["content-type"] = media_type
    response.headers["content-security-policy"] = content_security_policy(shop)
    return response
