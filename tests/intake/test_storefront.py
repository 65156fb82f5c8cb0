"""The storefront endpoints: signed requests only, page forms, JSON twin, headers, limits."""

from __future__ import annotations

import re
import threading
import time
import urllib.parse
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from lib.core.db import Database
from lib.core.enums import EventKind
from lib.core.models import OutboxMail, RateLimitHit, Request, RequestEvent
from lib.intake.app import BODY_LIMIT
from lib.intake.languages import LIQUID_LOCALE
from lib.intake.links import signed_query
from lib.security import sign_app_proxy_query
from tests.intake.conftest import SHOP, Intake, running_intake, sqlite_only
from tests.mail.smtp_sink import SmtpSink, html_part
from tests.store.helpers import TOKEN, running_store

FORM = {"email": "ada@example.com"}


def _nothing_stored(intake: Intake) -> None:
    assert intake.count(Request) == 0
    assert intake.count(OutboxMail) == 0
    assert intake.count(RateLimitHit) == 0


def _refused_queries(intake: Intake) -> dict[str, str]:
    good = signed_query(intake.config, SHOP, "101")
    params = urllib.parse.parse_qs(good, keep_blank_values=True)
    forged = good.replace("logged_in_customer_id=101", "logged_in_customer_id=102")
    assert forged != good
    other_secret = sign_app_proxy_query(
        {k: v[0] for k, v in params.items() if k != "signature"}, "not-the-secret"
    )
    stale = signed_query(intake.config, SHOP, "101", now=time.time() - 301)
    return {"unsigned": "", "forged": forged, "wrong_secret": other_secret, "stale": stale}


@sqlite_only
@pytest.mark.parametrize("case", ["unsigned", "forged", "wrong_secret", "stale"])
def test_unsigned_forged_and_stale_requests_are_refused_and_store_nothing(
    intake: Intake, case: str
) -> None:
    query = _refused_queries(intake)[case]
    prefix = intake.config.app_proxy_prefix
    page = intake.http.get(f"{prefix}?{query}")
    assert page.status_code == 401 and "open this page from the store" in page.text
    assert intake.http.post(f"{prefix}?{query}", data=FORM).status_code == 401
    assert intake.http.get(f"{prefix}/api/state?{query}").status_code == 401
    api = intake.http.post(f"{prefix}/api/requests?{query}", json={})
    assert api.status_code == 401 and api.json()["detail"]
    _nothing_stored(intake)


@sqlite_only
def test_shopify_documented_example_shape_is_accepted_and_any_change_refused(
    make_intake,
) -> None:
    """Shopify's worked example (secret `hush`, repeated `extra`) with a fresh timestamp."""
    intake = make_intake(shopify_api_secret="hush")
    params = {
        "extra": ["1", "2"],
        "shop": SHOP,
        "logged_in_customer_id": "101",
        "path_prefix": "/apps/privacy",
        "timestamp": str(int(time.time())),
    }
    query = sign_app_proxy_query(params, "hush")
    prefix = intake.config.app_proxy_prefix
    assert intake.http.get(f"{prefix}?{query}").status_code == 200
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    for index, (key, value) in enumerate(pairs):
        changed = value[:-1] + ("0" if value[-1:] != "0" else "1")
        mutated = [*pairs[:index], (key, changed), *pairs[index + 1 :]]
        response = intake.http.get(f"{prefix}?{urllib.parse.urlencode(mutated)}")
        assert response.status_code == 401, key


@sqlite_only
def test_page_is_liquid_through_the_proxy_and_html_on_its_own(intake: Intake) -> None:
    liquid = intake.http.get(intake.page_url(liquid=True))
    assert liquid.status_code == 200
    assert liquid.headers["content-type"] == "application/liquid"
    assert liquid.text.startswith("<style>") and "<html" not in liquid.text
    page = intake.http.get(intake.page_url())
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.text.startswith("<!DOCTYPE html>") and '<html lang="en" dir="ltr">' in page.text
    for response in (liquid, page):
        csp = response.headers["content-security-policy"]
        assert f"frame-ancestors 'self' https://{SHOP}" in csp and "default-src 'none'" in csp
        assert "script-src" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"


@sqlite_only
def test_guest_form_is_labelled_for_assistive_technology(intake: Intake) -> None:
    html = intake.http.get(intake.page_url()).text
    assert '<label for="pd-email">Email address</label>' in html
    assert 'id="pd-email" name="email" autocomplete="email" required' in html
    assert '<button type="submit">Request Data Export</button>' in html
    invalid = intake.http.post(intake.page_url(), data={"email": "not-an-address"})
    assert invalid.status_code == 422
    assert 'role="alert" id="pd-error"' in invalid.text and 'aria-invalid="true"' in invalid.text
    assert 'aria-describedby="pd-email-hint pd-error"' in invalid.text


@sqlite_only
@pytest.mark.parametrize("liquid", [False, True])
def test_hostile_names_are_inert_in_the_page(intake: Intake, liquid: bool) -> None:
    response = intake.http.get(intake.page_url("666", liquid=liquid))
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    ours = response.text.replace(LIQUID_LOCALE, "")  # the page's own Liquid: the form's language
    assert "{{" not in ours and "{%" not in ours
    assert "&#123;&#123; shop.name &#125;&#125;" in response.text


@sqlite_only
def test_hostile_names_are_inert_in_mails(intake: Intake, smtp: SmtpSink) -> None:
    assert intake.http.post(intake.page_url("666")).status_code == 200
    assert intake.deliver() == 2
    for message in smtp.wait_for(2):
        html = html_part(message)
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


SIGNED_AT = re.compile(rb"timestamp=\d+&(?:amp;)?signature=[0-9a-f]{64}")


def _fingerprint(response: httpx.Response) -> tuple:
    """The answer as bytes, but for the time the language picker's links were signed at (two
    answers may straddle a second; the instant says nothing about the email)."""
    headers = sorted((k, v) for k, v in response.headers.items() if k != "date")
    return response.status_code, headers, SIGNED_AT.sub(b"SIGNED", response.content)


def test_known_and_unknown_emails_get_byte_identical_answers(intake: Intake) -> None:
    url = intake.page_url()
    known = intake.http.post(url, data={"email": "ada@example.com"})
    unknown = intake.http.post(url, data={"email": "nobody@example.org"})
    assert known.status_code == 200
    assert _fingerprint(known) == _fingerprint(unknown)
    api = intake.api_url("requests")
    known = intake.http.post(api, json={"email": "ada@example.com"})
    unknown = intake.http.post(api, json={"email": "stranger@example.net"})
    assert known.status_code == 202
    assert _fingerprint(known) == _fingerprint(unknown)
    # An address with an open request already gets the same answer too.
    again = intake.http.post(api, json={"email": "ada@example.com"})
    assert _fingerprint(again) == _fingerprint(unknown)
    assert {r.email for r in intake.requests()} == {
        "ada@example.com",
        "nobody@example.org",
        "stranger@example.net",
    }


@sqlite_only
def test_bodies_over_64_kib_are_refused_with_413_declared_or_chunked(intake: Intake) -> None:
    url = intake.page_url()
    big = b"email=" + b"a" * BODY_LIMIT
    declared = intake.http.post(
        url, content=big, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert declared.status_code == 413

    def chunks():
        for _ in range(20):
            yield b"a" * 4096

    chunked = intake.http.post(intake.api_url("requests"), content=chunks())
    assert chunked.status_code == 413
    assert "65536" in chunked.json()["detail"]
    _nothing_stored(intake)
    small = intake.http.post(
        url,
        content=b"email=ada%40example.com",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert small.status_code == 200


@sqlite_only
@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"email": "no-at-sign"}, "valid email"),
        ({"email": "a@b.c", "extra": 1}, "extra"),
        ({"type": "correction", "email": "ada@example.com"}, "access"),
        ({"email": "x" * 400 + "@example.com"}, "320"),
        ({}, "enter your email"),
    ],
)
def test_json_api_validation_is_strict_with_clear_422s(
    intake: Intake, body: dict, fragment: str
) -> None:
    response = intake.http.post(intake.api_url("requests"), json=body)
    assert response.status_code == 422
    assert fragment in str(response.json()["detail"])
    assert intake.count(Request) == 0


@sqlite_only
def test_logged_in_customers_may_not_name_an_email(intake: Intake) -> None:
    response = intake.http.post(
        intake.api_url("requests", "101"), json={"email": "someone.else@example.com"}
    )
    assert response.status_code == 422 and "account" in response.json()["detail"]
    assert intake.count(Request) == 0


def test_a_logged_in_customer_asking_again_is_told_a_request_is_open(intake: Intake) -> None:
    first = intake.http.post(intake.page_url("101"), data={})
    assert first.status_code == 200 and "Your request has been received" in first.text
    again = intake.http.post(intake.page_url("101"), data={})
    [request] = intake.requests()
    assert again.status_code == 200 and "Your request has been received" not in again.text
    assert f"You already have a request of this kind open with us ({request.reference})" in (
        again.text
    )
    german = intake.http.post(intake.page_url("101", locale="de"), data={})
    assert f"Sie haben bereits eine Anfrage dieser Art bei uns offen ({request.reference})" in (
        german.text
    )
    assert intake.count(Request) == 1


@sqlite_only
def test_json_api_mirrors_the_page(intake: Intake) -> None:
    guest = intake.http.get(intake.api_url("state")).json()
    assert guest == {
        "store": "Demo Shop",
        "mode": "guest",
        "customer_name": None,
        "notice": None,
        "locale": "en",
        "types": ["access"],
    }
    customer = intake.http.get(intake.api_url("state", "101")).json()
    assert customer["mode"] == "logged_in" and customer["customer_name"] == "Ada Lovelace"
    accepted = intake.http.post(intake.api_url("requests", "101"), json={})
    assert accepted.status_code == 202 and accepted.json()["status"] == "accepted"
    assert [r.status for r in intake.requests()] == ["verified"]


def test_rate_limits_answer_429_with_retry_after(make_intake) -> None:
    intake = make_intake(
        rate_limit_email_per_hour=2, rate_limit_ip_per_hour=3, trusted_proxy_hops=1
    )
    url = intake.page_url()
    assert [intake.http.post(url, data=FORM).status_code for _ in range(2)] == [200, 200]
    limited = intake.http.post(url, data=FORM)  # per email; a refused attempt is not counted
    assert limited.status_code == 429
    assert 0 < int(limited.headers["retry-after"]) <= 3600
    assert "Too many requests" in limited.text
    api = intake.api_url("requests")
    assert intake.http.post(api, json={"email": "bob@example.com"}).status_code == 202
    other = intake.http.post(api, json={"email": "carol@example.com"})  # per client address
    assert other.status_code == 429 and int(other.headers["retry-after"]) > 0
    assert "Too many requests" in other.json()["detail"]
    # Another visitor (Shopify's proxy, trusted as one hop, forwards the visitor's address).
    elsewhere = intake.http.post(
        api, json={"email": "carol@example.com"}, headers={"x-forwarded-for": "203.0.113.9"}
    )
    assert elsewhere.status_code == 202
    assert intake.count(Request) == 3


def test_a_second_submit_makes_no_second_open_request(intake: Intake) -> None:
    for _ in range(2):
        assert intake.http.post(intake.page_url(), data=FORM).status_code == 200
        assert intake.http.post(intake.page_url("101")).status_code == 200
    [request] = intake.requests()
    with intake.db.read() as session:
        kinds = list(
            session.scalars(select(RequestEvent.kind).where(RequestEvent.request_id == request.id))
        )
    assert kinds.count(EventKind.DUPLICATE_SUBMIT) == 3
    # The logged-in submit verified the waiting guest request: the shop's login is proof.
    assert request.status == "verified" and request.customer_id == "101"
    templates = [m.template for m in intake.outbox()]
    assert templates.count("verify") == 1 and "received" in templates


def test_concurrent_submits_for_one_email_make_one_request(make_intake) -> None:
    intake = make_intake(rate_limit_email_per_hour=0)
    url = intake.page_url()
    barrier = threading.Barrier(8)
    codes: list[int] = []

    def submit() -> None:
        with httpx.Client(base_url=intake.base, timeout=20) as client:
            barrier.wait()
            codes.append(client.post(url, data=FORM).status_code)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 8
    assert intake.count(Request) == 1


@sqlite_only
def test_unknown_logged_in_customer_gets_a_clear_answer(db: Database, make_intake: Any) -> None:
    with running_store(db) as store:  # the store answers: no such customer
        intake = make_intake(demo_store_url=store.url, demo_store_token=TOKEN)
        response = intake.http.post(intake.page_url("999"))
    assert response.status_code == 422
    assert "could not find the email address of your account" in response.text
    assert intake.count(Request) == 0


@sqlite_only
def test_health_and_openapi(intake: Intake) -> None:
    health = intake.http.get("/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok", "database": "ok"}
    schema = intake.http.get("/openapi.json").json()
    assert {
        "/apps/privacy",
        "/apps/privacy/api/requests",
        "/apps/privacy/verify",
        "/webhooks/shopify",
        "/healthz",
    } <= set(schema["paths"])
    assert intake.http.get("/docs").status_code == 404


def test_health_reports_an_unreachable_database() -> None:
    unreachable = Database("postgresql://nobody@127.0.0.1:1/none")
    with running_intake(unreachable) as broken:
        response = broken.http.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert "nobody" not in response.text
