"""The install/callback query HMAC against Shopify's own published examples."""

from __future__ import annotations

import pytest

from lib.security import InvalidSignature, oauth_message, sign_oauth_query, verify_oauth_query

# shopify.dev, "Authorization code grant", step "Verify the installation request" (secret "hush").
DOCS_QUERY = (
    "code=0907a61c0c8d55e99db179b68161bc00&shop=some-shop.myshopify.com"
    "&state=0.6784241404160823&timestamp=1337178173"
    "&hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"
)
DOCS_NOW = 1337178173


def test_shopify_documented_example_verifies() -> None:
    params = verify_oauth_query(DOCS_QUERY, "hush", now=DOCS_NOW)
    assert params["shop"] == "some-shop.myshopify.com"
    assert params["code"] == "0907a61c0c8d55e99db179b68161bc00"


def test_message_encodes_spaces_as_percent_20_and_sorts_keys() -> None:
    """shopify-api's hmac-validator.test.ts: `code=some%20code%20goes%20here&foo=bar&shop=…`."""
    params = {"timestamp": "1", "shop": "the shop URL", "foo": "bar", "code": "some code goes here"}
    assert oauth_message({**params, "hmac": "x"}) == (
        "code=some%20code%20goes%20here&foo=bar&shop=the%20shop%20URL&timestamp=1"
    )


def test_message_escapes_like_url_search_params() -> None:
    assert oauth_message({"host": "YWRtaW4=", "x": "a~b*c-d_e.f/g"}) == (
        "host=YWRtaW4%3D&x=a%7Eb*c-d_e.f%2Fg"
    )


def test_signed_query_round_trips() -> None:
    query = sign_oauth_query({"shop": "a.myshopify.com", "host": "a b=", "timestamp": "100"}, "s")
    assert verify_oauth_query(query, "s", now=100)["host"] == "a b="


@pytest.mark.parametrize(
    ("query", "now", "words"),
    [
        (DOCS_QUERY, DOCS_NOW + 91, "stale timestamp"),
        (DOCS_QUERY, DOCS_NOW - 91, "stale timestamp"),
        (DOCS_QUERY.replace("some-shop", "other-shop"), DOCS_NOW, "hmac mismatch"),
        (DOCS_QUERY.split("&hmac=")[0], DOCS_NOW, "missing hmac"),
        (DOCS_QUERY.replace("timestamp=1337178173", "timestamp=1e9"), DOCS_NOW, "timestamp"),
        (DOCS_QUERY + "&shop=evil.myshopify.com", DOCS_NOW, "duplicated parameter: shop"),
    ],
)
def test_refusals_name_the_problem(query: str, now: int, words: str) -> None:
    with pytest.raises(InvalidSignature, match=words):
        verify_oauth_query(query, "hush", now=now)


def test_wrong_secret_is_refused() -> None:
    with pytest.raises(InvalidSignature, match="hmac mismatch"):
        verify_oauth_query(DOCS_QUERY, "not-hush", now=DOCS_NOW)
