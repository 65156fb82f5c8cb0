"""Tests for lib.security: app proxy signatures, webhook HMACs and signed tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import string
import time
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.security import (
    InvalidSignature,
    ProxyContext,
    TokenClaims,
    TokenError,
    app_proxy_message,
    issue_token,
    read_token,
    sign_app_proxy_query,
    sign_webhook,
    token_fingerprint,
    verify_app_proxy_query,
    verify_webhook_hmac,
)

# --------------------------------------------------------------------------------------------
# App proxy: Shopify's documented example
# --------------------------------------------------------------------------------------------

# shopify.dev "Authenticate app proxies" (docs/apps/build/online-store/app-proxies/
# authenticate-app-proxies), shared secret `hush`. The page writes the host as the placeholder
# `{shop}.myshopify.com` in the forwarded request; its published signature (DOC_SIGNATURE,
# copied from the page) is reproduced exactly with `shop=shop-name.myshopify.com`.
DOC_SECRET = "hush"
DOC_TIMESTAMP = 1317327555
DOC_SIGNATURE = "4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb"
DOC_UNSIGNED = (
    "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1"
    "&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555"
)
DOC_QUERY = f"{DOC_UNSIGNED}&signature={DOC_SIGNATURE}"
DOC_MESSAGE = (
    "extra=1,2logged_in_customer_id=1path_prefix=/apps/awesome_reviews"
    "shop=shop-name.myshopify.comtimestamp=1317327555"
)
# Earlier revisions of the same page (as quoted in public code): a guest (blank
# logged_in_customer_id) and the pre-2022 form without the parameter at all.
DOC_GUEST_QUERY = (
    "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id="
    "&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555"
    "&signature=e072b6d7e6622d85912a5214b860d3100dc1e73d9bc29f43796ac8c9ff8093cb"
)
DOC_LEGACY_QUERY = (
    "extra=1&extra=2&shop=shop-name.myshopify.com&path_prefix=%2Fapps%2Fawesome_reviews"
    "&timestamp=1317327555"
    "&signature=a9718877bea71c2484f91608a7eaea1532bdf71f5c56825065fa4ccabe549ef3"
)


def _verify_doc(query: str) -> ProxyContext:
    return verify_app_proxy_query(query, DOC_SECRET, now=DOC_TIMESTAMP)


def test_documented_signed_message_structure() -> None:
    assert app_proxy_message(DOC_QUERY) == DOC_MESSAGE
    assert app_proxy_message(DOC_UNSIGNED) == DOC_MESSAGE


def test_documented_signature_is_hmac_sha256_hex_of_the_message() -> None:
    expected = hmac.new(b"hush", DOC_MESSAGE.encode(), hashlib.sha256).hexdigest()
    assert expected == DOC_SIGNATURE


def test_documented_example_is_accepted() -> None:
    assert _verify_doc(DOC_QUERY) == ProxyContext(
        shop="shop-name.myshopify.com",
        logged_in_customer_id="1",
        path_prefix="/apps/awesome_reviews",
        timestamp=DOC_TIMESTAMP,
    )


def test_documented_example_accepted_with_leading_question_mark() -> None:
    assert _verify_doc("?" + DOC_QUERY).shop == "shop-name.myshopify.com"


def test_earlier_documented_examples_are_accepted() -> None:
    guest = _verify_doc(DOC_GUEST_QUERY)
    assert guest.logged_in_customer_id is None
    assert guest.path_prefix == "/apps/awesome_reviews"
    legacy = _verify_doc(DOC_LEGACY_QUERY)
    assert legacy.logged_in_customer_id is None
    assert legacy.shop == "shop-name.myshopify.com"


def test_signer_reproduces_the_documented_query_verbatim() -> None:
    params: dict[str, str | list[str]] = {
        "extra": ["1", "2"],
        "shop": "shop-name.myshopify.com",
        "logged_in_customer_id": "1",
        "path_prefix": "/apps/awesome_reviews",
        "timestamp": str(DOC_TIMESTAMP),
    }
    assert sign_app_proxy_query(params, DOC_SECRET) == DOC_QUERY


def _doc_mutations() -> list[tuple[str, str]]:
    """Every single-parameter change, addition, removal and duplication of the example."""
    pieces = DOC_QUERY.split("&")
    out: list[tuple[str, str]] = []
    for i, piece in enumerate(pieces):
        key, _, value = piece.partition("=")
        rest = pieces[:i] + pieces[i + 1 :]
        out.append((f"remove {key}", "&".join(rest)))
        out.append((f"duplicate {key} (adjacent)", "&".join([*pieces[: i + 1], piece, *rest[i:]])))
        out.append((f"duplicate {key} (at end)", "&".join([*pieces, piece])))
        if key == "signature":
            flipped = value[:-1] + ("0" if value[-1] != "0" else "1")
            changed_values = [flipped, value[:-1], value.upper(), "", "0" * 64]
        else:
            changed_values = [value + "9", "", "X" + value]
            if value:
                changed_values.append(value[:-1])
        for new_value in changed_values:
            changed = [*pieces[:i], f"{key}={new_value}", *pieces[i + 1 :]]
            out.append((f"change {key} to {new_value!r}", "&".join(changed)))
        renamed = [*pieces[:i], f"{key}x={value}", *pieces[i + 1 :]]
        out.append((f"rename {key}", "&".join(renamed)))
    for added in [
        "foo=bar",
        "foo=",
        "foo",
        "extra=3",
        "extra=",
        "extra",
        "hmac=1",
        "shop=evil.myshopify.com",
        "logged_in_customer_id=2",
        "logged_in_customer_id=",
        "path_prefix=%2Fapps%2Fother",
        f"timestamp={DOC_TIMESTAMP}",
        f"signature={DOC_SIGNATURE}",
    ]:
        out.append((f"append {added}", f"{DOC_QUERY}&{added}"))
        out.append((f"prepend {added}", f"{added}&{DOC_QUERY}"))
    unique: dict[str, str] = {}
    for label, query in out:
        unique.setdefault(query, label)
    return [(label, query) for query, label in unique.items()]


DOC_MUTATIONS = _doc_mutations()


def test_mutation_list_is_substantial() -> None:
    labels = [label for label, _ in DOC_MUTATIONS]
    assert len(labels) > 70
    assert DOC_QUERY not in {q for _, q in DOC_MUTATIONS}
    for key in ("extra", "shop", "logged_in_customer_id", "path_prefix", "timestamp", "signature"):
        for verb in ("remove", "duplicate", "change", "rename"):
            assert any(label.startswith(f"{verb} {key}") for label in labels), (verb, key)
    assert sum(label.startswith(("append", "prepend")) for label in labels) >= 20


@pytest.mark.parametrize(("label", "query"), DOC_MUTATIONS, ids=[m[0] for m in DOC_MUTATIONS])
def test_documented_example_refused_after_any_single_parameter_mutation(
    label: str, query: str
) -> None:
    with pytest.raises(InvalidSignature):
        _verify_doc(query)


def test_documented_example_refused_with_wrong_secret() -> None:
    with pytest.raises(InvalidSignature, match="signature mismatch"):
        verify_app_proxy_query(DOC_QUERY, "hush!", now=DOC_TIMESTAMP)


def test_documented_example_refused_when_stale() -> None:
    with pytest.raises(InvalidSignature, match="stale timestamp"):
        verify_app_proxy_query(DOC_QUERY, DOC_SECRET)  # real clock: 2011 is long gone


# --------------------------------------------------------------------------------------------
# App proxy: specific refusals
# --------------------------------------------------------------------------------------------

SECRET = "proxy-secret-do-not-echo"
NOW = 1_700_000_000


def _base_params(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    params: dict[str, str | list[str]] = {
        "shop": "demo.myshopify.com",
        "logged_in_customer_id": "7001",
        "path_prefix": "/apps/privacy",
        "timestamp": str(NOW),
    }
    params.update(overrides)
    return params


def _drop(query: str, key: str) -> str:
    return "&".join(p for p in query.split("&") if p.partition("=")[0] != key)


def test_signed_query_round_trip() -> None:
    query = sign_app_proxy_query(_base_params(), SECRET)
    assert verify_app_proxy_query(query, SECRET, now=NOW) == ProxyContext(
        shop="demo.myshopify.com",
        logged_in_customer_id="7001",
        path_prefix="/apps/privacy",
        timestamp=NOW,
    )


def test_blank_customer_id_means_guest() -> None:
    query = sign_app_proxy_query(_base_params(logged_in_customer_id=""), SECRET)
    assert "logged_in_customer_id=&" in query
    assert verify_app_proxy_query(query, SECRET, now=NOW).logged_in_customer_id is None


def test_absent_customer_id_and_path_prefix() -> None:
    params = _base_params()
    del params["logged_in_customer_id"]
    del params["path_prefix"]
    ctx = verify_app_proxy_query(sign_app_proxy_query(params, SECRET), SECRET, now=NOW)
    assert ctx.logged_in_customer_id is None
    assert ctx.path_prefix == ""


def test_missing_signature() -> None:
    query = _drop(sign_app_proxy_query(_base_params(), SECRET), "signature")
    with pytest.raises(InvalidSignature, match="missing signature"):
        verify_app_proxy_query(query, SECRET, now=NOW)
    with pytest.raises(InvalidSignature, match="missing signature"):
        verify_app_proxy_query(query + "&signature=", SECRET, now=NOW)


@pytest.mark.parametrize("key", ["shop", "timestamp"])
def test_missing_shop_or_timestamp_even_if_signed(key: str) -> None:
    params = _base_params()
    del params[key]
    with pytest.raises(InvalidSignature, match=f"missing {key}"):
        verify_app_proxy_query(sign_app_proxy_query(params, SECRET), SECRET, now=NOW)
    with pytest.raises(InvalidSignature, match=f"missing {key}"):
        query = sign_app_proxy_query(_base_params(**{key: ""}), SECRET)
        verify_app_proxy_query(query, SECRET, now=NOW)


@pytest.mark.parametrize(
    "key", ["shop", "timestamp", "hmac", "logged_in_customer_id", "path_prefix"]
)
def test_duplicated_single_valued_parameter_refused_even_if_signed(key: str) -> None:
    first = _base_params().get(key, "x")
    assert isinstance(first, str)
    query = sign_app_proxy_query(_base_params(**{key: [first, first + "0"]}), SECRET)
    with pytest.raises(InvalidSignature, match=f"duplicated parameter: {key}"):
        verify_app_proxy_query(query, SECRET, now=NOW)


def test_duplicated_signature_refused() -> None:
    query = sign_app_proxy_query(_base_params(), SECRET)
    signature = query.rsplit("signature=", 1)[1]
    with pytest.raises(InvalidSignature, match="duplicated parameter: signature"):
        verify_app_proxy_query(f"{query}&signature={signature}", SECRET, now=NOW)


def test_guest_cannot_smuggle_a_customer_id_through_the_storefront_query() -> None:
    # A guest opens /apps/privacy?logged_in_customer_id=7001; Shopify appends its own blank
    # value and signs "logged_in_customer_id=7001," - a valid signature we must still refuse.
    params: dict[str, str | list[str]] = {
        "logged_in_customer_id": ["7001", ""],
        "shop": "demo.myshopify.com",
        "path_prefix": "/apps/privacy",
        "timestamp": str(NOW),
    }
    query = sign_app_proxy_query(params, SECRET)
    with pytest.raises(InvalidSignature, match="duplicated parameter: logged_in_customer_id"):
        verify_app_proxy_query(query, SECRET, now=NOW)


def test_single_hmac_parameter_is_allowed_and_signed() -> None:
    query = sign_app_proxy_query(_base_params(hmac="abc"), SECRET)
    assert verify_app_proxy_query(query, SECRET, now=NOW).shop == "demo.myshopify.com"
    with pytest.raises(InvalidSignature, match="signature mismatch"):
        verify_app_proxy_query(query.replace("hmac=abc", "hmac=abd"), SECRET, now=NOW)


@pytest.mark.parametrize(
    "timestamp",
    ["abc", "1.5", "-1", "+1700000000", " 1700000000", "1_700_000_000", "1e9", "١٧٠٠", "9" * 13],
)
def test_non_integer_timestamp_refused_even_if_signed(timestamp: str) -> None:
    query = sign_app_proxy_query(_base_params(timestamp=timestamp), SECRET)
    with pytest.raises(InvalidSignature, match="timestamp is not an integer"):
        verify_app_proxy_query(query, SECRET, now=NOW)


@pytest.mark.parametrize(
    ("offset", "max_age", "ok"),
    [
        (0, 300, True),
        (300, 300, True),
        (-300, 300, True),
        (300.5, 300, False),
        (301, 300, False),
        (-301, 300, False),
        (90, 90, True),
        (91, 90, False),
        (-91, 90, False),
        (86_400, 300, False),
    ],
)
def test_timestamp_window(offset: float, max_age: int, ok: bool) -> None:
    query = sign_app_proxy_query(_base_params(), SECRET)
    if ok:
        verify_app_proxy_query(query, SECRET, now=NOW + offset, max_age_s=max_age)
    else:
        with pytest.raises(InvalidSignature, match="stale timestamp"):
            verify_app_proxy_query(query, SECRET, now=NOW + offset, max_age_s=max_age)


def test_default_clock_is_used_when_now_is_omitted() -> None:
    query = sign_app_proxy_query(_base_params(timestamp=str(int(time.time()))), SECRET)
    assert verify_app_proxy_query(query, SECRET).shop == "demo.myshopify.com"


def test_signature_must_match_exactly() -> None:
    query = sign_app_proxy_query(_base_params(), SECRET)
    head, signature = query.rsplit("signature=", 1)
    for bad in [signature.upper(), signature + "0", signature[:-1], " " + signature]:
        with pytest.raises(InvalidSignature):
            verify_app_proxy_query(head + "signature=" + urllib.parse.quote(bad), SECRET, now=NOW)


@pytest.mark.parametrize(
    "query", ["", "?", "&&&", "signature", "shop=%FF&timestamp=1&signature=00", "a=\udcff"]
)
def test_malformed_queries_refused(query: str) -> None:
    with pytest.raises(InvalidSignature):
        verify_app_proxy_query(query, SECRET, now=NOW)


def test_empty_secret_refused() -> None:
    query = sign_app_proxy_query(_base_params(), SECRET)
    with pytest.raises(InvalidSignature, match="not configured"):
        verify_app_proxy_query(query, "", now=NOW)
    with pytest.raises(ValueError):
        sign_app_proxy_query(_base_params(), "")


def test_signer_rejects_a_signature_param() -> None:
    with pytest.raises(ValueError):
        sign_app_proxy_query(_base_params(signature="x"), SECRET)


def test_messages_never_echo_secret_or_received_values() -> None:
    good = sign_app_proxy_query(_base_params(), SECRET)
    signature = good.rsplit("signature=", 1)[1]
    failures = [
        (good, "other-secret"),
        (_drop(good, "signature"), SECRET),
        (good + "&shop=evil.myshopify.com", SECRET),
        (sign_app_proxy_query(_base_params(timestamp="abc"), SECRET), SECRET),
        (sign_app_proxy_query(_base_params(timestamp="1"), SECRET), SECRET),
    ]
    for query, secret in failures:
        with pytest.raises(InvalidSignature) as info:
            verify_app_proxy_query(query, secret, now=NOW)
        message = str(info.value)
        assert message
        for leaked in (SECRET, "other-secret", signature, "evil", "7001"):
            assert leaked not in message


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
_reserved = {"shop", "signature", "timestamp", "hmac", "logged_in_customer_id", "path_prefix"}
_extra_params = st.dictionaries(
    _text.filter(lambda k: k not in _reserved),
    st.one_of(_text, st.lists(_text, min_size=1, max_size=3)),
    max_size=6,
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(extra=_extra_params, customer=_text, prefix=_text, shop=_text.filter(bool))
def test_property_sign_then_verify(
    extra: dict[str, str | list[str]], customer: str, prefix: str, shop: str
) -> None:
    params: dict[str, str | list[str]] = {
        **extra,
        "shop": shop,
        "logged_in_customer_id": customer,
        "path_prefix": prefix,
        "timestamp": str(NOW),
    }
    query = sign_app_proxy_query(params, SECRET)
    assert verify_app_proxy_query(query, SECRET, now=NOW) == ProxyContext(
        shop=shop,
        logged_in_customer_id=customer or None,
        path_prefix=prefix,
        timestamp=NOW,
    )
    with pytest.raises(InvalidSignature):
        verify_app_proxy_query(query, SECRET + "x", now=NOW)
    with pytest.raises(InvalidSignature):
        verify_app_proxy_query(query + "&zz_added=1", SECRET, now=NOW)
    with pytest.raises(InvalidSignature):
        verify_app_proxy_query(_drop(query, "timestamp"), SECRET, now=NOW)


@settings(max_examples=300)
@given(query=st.text())
def test_property_garbage_queries_only_raise_invalid_signature(query: str) -> None:
    try:
        verify_app_proxy_query(query, SECRET, now=NOW)
    except InvalidSignature:
        return
    pytest.fail("garbage query accepted")


# --------------------------------------------------------------------------------------------
# Webhooks
# --------------------------------------------------------------------------------------------

WEBHOOK_SECRET = "webhook-secret"


def _reference_hmac(body: bytes, secret: str) -> str:
    """Independent computation of X-Shopify-Hmac-Sha256."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def test_sign_webhook_matches_reference() -> None:
    body = b'{"shop_id":954889,"shop_domain":"demo.myshopify.com"}'
    header = sign_webhook(body, WEBHOOK_SECRET)
    assert header == _reference_hmac(body, WEBHOOK_SECRET)
    assert len(base64.b64decode(header)) == 32
    assert verify_webhook_hmac(body, header, WEBHOOK_SECRET)


def test_hundred_random_bodies_accepted_tampered_refused_wrong_secret_refused() -> None:
    rng = random.Random(20240910)
    for _ in range(100):
        body = rng.randbytes(rng.randint(1, 4096))
        header = _reference_hmac(body, WEBHOOK_SECRET)
        assert verify_webhook_hmac(body, header, WEBHOOK_SECRET)
        index = rng.randrange(len(body))
        tampered = bytearray(body)
        tampered[index] ^= rng.randint(1, 255)
        assert not verify_webhook_hmac(bytes(tampered), header, WEBHOOK_SECRET)
        assert not verify_webhook_hmac(body, header, WEBHOOK_SECRET + "2")
        assert not verify_webhook_hmac(body, header, "")


@settings(max_examples=100)
@given(body=st.binary(min_size=1, max_size=2048), data=st.data())
def test_property_webhook_bodies(body: bytes, data: st.DataObject) -> None:
    header = sign_webhook(body, WEBHOOK_SECRET)
    assert verify_webhook_hmac(body, header, WEBHOOK_SECRET)
    index = data.draw(st.integers(0, len(body) - 1))
    delta = data.draw(st.integers(1, 255))
    tampered = bytearray(body)
    tampered[index] ^= delta
    assert not verify_webhook_hmac(bytes(tampered), header, WEBHOOK_SECRET)
    assert not verify_webhook_hmac(body + b" ", header, WEBHOOK_SECRET)
    assert not verify_webhook_hmac(body, header, "another-secret")


def test_webhook_header_and_body_edge_cases() -> None:
    body = b'{"id":1}'
    header = sign_webhook(body, WEBHOOK_SECRET)
    assert verify_webhook_hmac(body, f"  {header} ", WEBHOOK_SECRET)
    assert verify_webhook_hmac(bytearray(body), header, WEBHOOK_SECRET)
    assert not verify_webhook_hmac(body, None, WEBHOOK_SECRET)
    assert not verify_webhook_hmac(body, "", WEBHOOK_SECRET)
    assert not verify_webhook_hmac(body, "   ", WEBHOOK_SECRET)
    # Empty body is refused even with the "right" HMAC of empty bytes.
    assert not verify_webhook_hmac(b"", _reference_hmac(b"", WEBHOOK_SECRET), WEBHOOK_SECRET)
    digest = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).digest()
    for bad in [
        "not base64!!",
        "abc",
        "====",
        "€€€€",
        header[:-2],
        header + "A",
        base64.b64encode(digest[:16]).decode(),
        digest.hex(),
        header.replace("=", ""),
    ]:
        assert not verify_webhook_hmac(body, bad, WEBHOOK_SECRET), bad


@settings(max_examples=300)
@given(header=st.one_of(st.none(), st.text()), body=st.binary(max_size=64))
def test_property_webhook_never_raises(header: str | None, body: bytes) -> None:
    assert verify_webhook_hmac(body, header, WEBHOOK_SECRET) is False


# --------------------------------------------------------------------------------------------
# Signed tokens
# --------------------------------------------------------------------------------------------

TOKEN_SECRET = "token-secret-do-not-echo"
T0 = 1_700_000_000
B64URL = set(string.ascii_letters + string.digits + "-_")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(payload: bytes, secret: str = TOKEN_SECRET) -> str:
    """Sign an arbitrary payload in the documented format (independent implementation)."""
    segment = _b64url(payload)
    mac = hmac.new(secret.encode(), b"privacy-desk.token.v1." + segment.encode(), hashlib.sha256)
    return f"{segment}.{_b64url(mac.digest())}"


def _reason(token: str, purpose: str = "verify_email", now: float = T0) -> str:
    with pytest.raises(TokenError) as info:
        read_token(token, TOKEN_SECRET, purpose, now=now)
    return info.value.reason


def test_token_round_trip() -> None:
    token = issue_token(TOKEN_SECRET, "verify_email", "req_42", ttl_s=3600, now=T0 + 0.9)
    claims = read_token(token, TOKEN_SECRET, "verify_email", now=T0 + 10)
    assert isinstance(claims, TokenClaims)
    assert claims.purpose == "verify_email"
    assert claims.subject == "req_42"
    assert claims.issued_at == T0
    assert claims.expires_at == T0 + 3600
    assert len(claims.token_id) >= 22
    assert set(claims.token_id) <= B64URL


def test_token_is_compact_and_url_safe() -> None:
    token = issue_token(TOKEN_SECRET, "verify_email", "req_01HZX3Y5", ttl_s=86_400, now=T0)
    assert len(token) < 200
    assert set(token) <= B64URL | {"."}
    assert urllib.parse.quote(token, safe="") == token
    assert token.count(".") == 1


def test_token_ids_are_random() -> None:
    tokens = [issue_token(TOKEN_SECRET, "p", "s", ttl_s=60, now=T0) for _ in range(500)]
    ids = {read_token(t, TOKEN_SECRET, "p", now=T0).token_id for t in tokens}
    assert len(ids) == 500


def test_token_unicode_subject_round_trip() -> None:
    token = issue_token(TOKEN_SECRET, "download", "Zoë 🙂 <x@y>", ttl_s=60, now=T0)
    assert set(token) <= B64URL | {"."}
    assert read_token(token, TOKEN_SECRET, "download", now=T0).subject == "Zoë 🙂 <x@y>"


def test_token_default_clock() -> None:
    token = issue_token(TOKEN_SECRET, "verify_email", "req_1", ttl_s=60)
    claims = read_token(token, TOKEN_SECRET, "verify_email")
    assert abs(claims.issued_at - time.time()) < 5


def test_token_expiry() -> None:
    token = issue_token(TOKEN_SECRET, "verify_email", "req_1", ttl_s=600, now=T0)
    read_token(token, TOKEN_SECRET, "verify_email", now=T0 + 599.999)
    assert _reason(token, now=T0 + 600) == "expired"
    assert _reason(token, now=T0 + 10**6) == "expired"


def test_token_wrong_purpose() -> None:
    token = issue_token(TOKEN_SECRET, "verify_email", "req_1", ttl_s=600, now=T0)
    assert _reason(token, purpose="download") == "wrong_purpose"
    assert _reason(token, purpose="verify_emai") == "wrong_purpose"
    # Purpose is checked before expiry; the signature before both.
    assert _reason(token, purpose="download", now=T0 + 700) == "wrong_purpose"


def test_token_forged_payload() -> None:
    token = issue_token(TOKEN_SECRET, "verify_email", "req_1", ttl_s=600, now=T0)
    segment, mac = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    for change in [{"s": "req_2"}, {"exp": T0 + 10**6}, {"p": "download"}, {"j": "other"}]:
        forged = _b64url(json.dumps({**claims, **change}, separators=(",", ":")).encode())
        assert _reason(f"{forged}.{mac}") == "bad_signature"


def test_token_forged_signature() -> None:
    token = issue_token(TOKEN_SECRET, "verify_email", "req_1", ttl_s=600, now=T0)
    segment, mac = token.split(".")
    middle = len(mac) // 2
    flipped = mac[:middle] + ("A" if mac[middle] != "A" else "B") + mac[middle + 1 :]
    assert _reason(f"{segment}.{flipped}") == "bad_signature"
    other = issue_token(TOKEN_SECRET, "verify_email", "req_1", ttl_s=600, now=T0)
    assert _reason(f"{segment}.{other.split('.')[1]}") == "bad_signature"
    assert _reason(f"{segment}.{mac[:-4]}") in {"bad_signature", "malformed"}
    assert _reason(f"{segment}.{_b64url(b'')}x") in {"bad_signature", "malformed"}


def test_token_signed_with_another_secret() -> None:
    token = issue_token("another-secret", "verify_email", "req_1", ttl_s=600, now=T0)
    assert _reason(token) == "bad_signature"
    expired = issue_token("another-secret", "verify_email", "req_1", ttl_s=1, now=T0 - 100)
    assert _reason(expired) == "bad_signature"
    valid = issue_token(TOKEN_SECRET, "verify_email", "req_1", ttl_s=600, now=T0)
    with pytest.raises(TokenError) as info:
        read_token(valid, "", "verify_email", now=T0)
    assert info.value.reason == "bad_signature"


def test_non_canonical_encodings_of_a_valid_token_are_malformed() -> None:
    token = issue_token(TOKEN_SECRET, "verify_email", "req_1", ttl_s=600, now=T0)
    segment, mac = token.split(".")
    padded_mac = mac + "=" * (-len(mac) % 4)
    assert padded_mac != mac
    variants = [
        f"{segment}.{padded_mac}",
        f"{segment}.{mac[:5]}!{mac[5:]}",
        f"{segment}.{mac[:5]} {mac[5:]}",
        f"{segment}.{mac}\n",
        f"{segment}.{mac.replace('-', '+').replace('_', '/')}"
        if ("-" in mac or "_" in mac)
        else f"{segment}.{mac}~",
    ]
    for variant in variants:
        assert _reason(variant) == "malformed", variant


def test_every_single_character_substitution_is_refused() -> None:
    token = issue_token(TOKEN_SECRET, "verify_email", "req_1", ttl_s=600, now=T0)
    for i, char in enumerate(token):
        for replacement in ("A", "_", "."):
            if replacement == char:
                continue
            tampered = token[:i] + replacement + token[i + 1 :]
            with pytest.raises(TokenError):
                read_token(tampered, TOKEN_SECRET, "verify_email", now=T0)


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "..",
        "a",
        "a.",
        ".a",
        "a.b.c",
        "abc=.def",
        "ab+c.de/f",
        "Zm9v.YmFy\n",
        "é.é",
        "x" * 5000,
        "\udcff.\udcff",
    ],
)
def test_garbage_tokens_are_malformed_or_bad_signature(token: str) -> None:
    assert _reason(token) in {"malformed", "bad_signature"}


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[]",
        b"null",
        b"{}",
        b'{"p":"verify_email","s":"x","j":"y","iat":1,"exp":"2"}',
        b'{"p":"verify_email","s":"x","j":"y","iat":true,"exp":2000000000}',
        b'{"p":"verify_email","s":"","j":"y","iat":1,"exp":2000000000}',
        b'{"p":1,"s":"x","j":"y","iat":1,"exp":2000000000}',
        b"\xff\xfe",
        b"[" * 2500,
    ],
)
def test_authentic_but_malformed_payloads(payload: bytes) -> None:
    assert _reason(_forge(payload)) == "malformed"


def test_forge_helper_matches_the_issued_format() -> None:
    payload = b'{"p":"verify_email","s":"x","j":"y","iat":1,"exp":2000000000}'
    claims = read_token(_forge(payload), TOKEN_SECRET, "verify_email", now=T0)
    assert claims == TokenClaims("verify_email", "x", "y", 1, 2_000_000_000)


_token_like = st.from_regex(r"[A-Za-z0-9_\-.=+/]{0,300}", fullmatch=True)


@settings(max_examples=400)
@given(token=st.one_of(st.text(), _token_like))
def test_property_garbage_tokens_only_raise_token_error(token: str) -> None:
    with pytest.raises(TokenError) as info:
        read_token(token, TOKEN_SECRET, "verify_email", now=T0)
    assert info.value.reason in {"malformed", "bad_signature"}


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=10,
)
_claims_like = st.fixed_dictionaries(
    {},
    optional={"p": _json, "s": _json, "j": _json, "iat": _json, "exp": _json},
)


@settings(max_examples=300)
@given(payload=st.one_of(st.binary(max_size=200), _json.map(json.dumps), _claims_like))
def test_property_authentic_garbage_payloads_only_raise_token_error(
    payload: bytes | str | dict[str, object],
) -> None:
    if isinstance(payload, dict):
        payload = json.dumps(payload)
    raw = payload.encode() if isinstance(payload, str) else payload
    try:
        claims = read_token(_forge(raw), TOKEN_SECRET, "verify_email", now=T0)
    except TokenError as exc:
        assert exc.reason in {"malformed", "wrong_purpose", "expired"}
    else:
        assert claims.purpose == "verify_email"


@settings(max_examples=100)
@given(
    purpose=st.text(min_size=1, max_size=40),
    subject=st.text(min_size=1, max_size=200),
    ttl=st.integers(1, 10**8),
)
def test_property_token_round_trip(purpose: str, subject: str, ttl: int) -> None:
    token = issue_token(TOKEN_SECRET, purpose, subject, ttl_s=ttl, now=T0)
    assert set(token) <= B64URL | {"."}
    claims = read_token(token, TOKEN_SECRET, purpose, now=T0 + ttl - 1)
    assert (claims.purpose, claims.subject, claims.expires_at) == (purpose, subject, T0 + ttl)
    with pytest.raises(TokenError):
        read_token(token, TOKEN_SECRET, purpose, now=T0 + ttl)


@pytest.mark.parametrize(
    ("secret", "purpose", "subject", "ttl"),
    [
        ("", "p", "s", 60),
        (TOKEN_SECRET, "", "s", 60),
        (TOKEN_SECRET, "p", "", 60),
        (TOKEN_SECRET, "p", "s", 0),
        (TOKEN_SECRET, "p", "s", -5),
    ],
)
def test_issue_token_rejects_bad_arguments(
    secret: str, purpose: str, subject: str, ttl: int
) -> None:
    with pytest.raises(ValueError):
        issue_token(secret, purpose, subject, ttl_s=ttl, now=T0)


def test_token_error_shape_and_messages_do_not_leak() -> None:
    token = issue_token(TOKEN_SECRET, "verify_email", "req_secret_subject", ttl_s=60, now=T0)
    segment, mac = token.split(".")
    cases = [
        "garbage",
        f"{segment}.{mac[::-1]}",
        issue_token("x", "verify_email", "s", ttl_s=60, now=T0),
        token,  # read below with wrong purpose / expired
    ]
    for i, candidate in enumerate(cases):
        with pytest.raises(TokenError) as info:
            read_token(candidate, TOKEN_SECRET, "download" if i == 3 else "verify_email", now=T0)
        err = info.value
        assert err.reason in {"malformed", "bad_signature", "expired", "wrong_purpose"}
        for leaked in (TOKEN_SECRET, candidate, segment, mac, "req_secret_subject"):
            assert leaked not in str(err)
    assert TokenError("expired").reason == "expired"
    assert str(TokenError("bad_signature")) == "bad signature"


def test_token_fingerprint() -> None:
    fp = token_fingerprint("abc123")
    assert fp == hashlib.sha256(b"abc123").hexdigest()
    assert len(fp) == 64
    assert token_fingerprint("abc123") == fp
    assert token_fingerprint("abc124") != fp
    assert "abc123" not in fp
