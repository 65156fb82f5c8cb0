"""The Verify Request link: single use, bound to purpose and request, expiring; refusals change
nothing and say so clearly."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from lib.core.models import RequestEvent, UsedToken
from lib.intake.links import signed_query
from lib.security import issue_token
from tests.intake.conftest import SHOP, Intake, sqlite_only, verify_link
from tests.mail.smtp_sink import SmtpSink, text_part


def _pending(intake: Intake, smtp: SmtpSink, email: str = "ada@example.com") -> tuple[int, str]:
    """A guest request waiting for verification, and its emailed link."""
    assert intake.http.post(intake.page_url(), data={"email": email}).status_code == 200
    assert intake.deliver() == 1
    request = intake.requests()[-1]
    return request.id, verify_link(text_part(smtp.wait_for(1)[-1]))


def _state(intake: Intake) -> tuple:
    return (
        [(r.id, r.status, r.verified_at) for r in intake.requests()],
        intake.count(RequestEvent),
        intake.count(UsedToken),
        len(intake.outbox()),
    )


def _token(intake: Intake, subject: str, purpose: str = "verify", **kw) -> str:
    return issue_token(intake.config.token_secret, purpose, subject, kw.pop("ttl", 3600), **kw)


def _url(intake: Intake, token: str) -> str:
    return f"{intake.config.app_proxy_prefix}/verify?token={token}"


@sqlite_only
@pytest.mark.parametrize(
    ("case", "status", "words"),
    [
        ("expired", 410, "This link has expired"),
        ("forged", 400, "This link is not valid"),
        ("other_secret", 400, "This link is not valid"),
        ("wrong_purpose", 400, "This link is not valid"),
        ("unknown_request", 400, "This link is not valid"),
        ("missing", 400, "This link is not valid"),
    ],
)
def test_bad_tokens_get_a_clear_page_and_change_nothing(
    intake: Intake, smtp: SmtpSink, case: str, status: int, words: str
) -> None:
    request_id, link = _pending(intake, smtp)
    good = link.split("token=", 1)[1]
    payload, mac = good.split(".")
    tokens = {
        "expired": _token(intake, str(request_id), ttl=60, now=time.time() - 3600),
        "forged": f"{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{mac}",
        "other_secret": issue_token("another-secret", "verify", str(request_id), 3600),
        "wrong_purpose": _token(intake, str(request_id), purpose="download"),
        "unknown_request": _token(intake, "999999"),
        "missing": "",
    }
    before = _state(intake)
    response = intake.http.get(_url(intake, tokens[case]), follow_redirects=False)
    assert response.status_code == status and words in response.text
    assert 'role="alert"' in response.text
    assert _state(intake) == before
    assert intake.requests()[-1].status == "pending_verification"


def test_a_link_works_once(intake: Intake, smtp: SmtpSink) -> None:
    _request_id, link = _pending(intake, smtp)
    assert intake.http.get(link, follow_redirects=False).status_code == 303
    after_first = _state(intake)
    again = intake.http.get(link, follow_redirects=False)
    assert again.status_code == 410 and "already been used" in again.text
    assert _state(intake) == after_first


def test_two_clicks_at_once_verify_once(intake: Intake, smtp: SmtpSink) -> None:
    _request_id, link = _pending(intake, smtp)
    barrier = threading.Barrier(6)
    codes: list[int] = []

    def click() -> None:
        with httpx.Client(timeout=20) as client:
            barrier.wait()
            codes.append(client.get(link, follow_redirects=False).status_code)

    threads = [threading.Thread(target=click) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [303] + [410] * 5
    assert intake.count(UsedToken) == 1
    assert [m.template for m in intake.outbox()].count("received") == 1


@sqlite_only
def test_a_second_link_after_verification_says_already_verified(
    intake: Intake, smtp: SmtpSink
) -> None:
    request_id, link = _pending(intake, smtp)
    second = _token(intake, str(request_id))
    assert intake.http.get(link, follow_redirects=False).status_code == 303
    before = _state(intake)
    response = intake.http.get(_url(intake, second))
    assert response.status_code == 200 and "already verified" in response.text
    assert _state(intake) == before


@sqlite_only
def test_through_the_proxy_the_redirect_is_relative_and_pages_are_liquid(
    intake: Intake, smtp: SmtpSink
) -> None:
    _request_id, link = _pending(intake, smtp)
    token = link.split("token=", 1)[1]
    query = signed_query(intake.config, SHOP, extra={"token": token})  # Shopify signs it all
    proxied = f"{intake.config.app_proxy_prefix}/verify?{query}"
    response = intake.http.get(proxied, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/apps/privacy?notice=verified&locale=en"
    again = intake.http.get(proxied, follow_redirects=False)
    assert again.status_code == 410 and again.headers["content-type"] == "application/liquid"
    assert 'href="/apps/privacy"' in again.text
