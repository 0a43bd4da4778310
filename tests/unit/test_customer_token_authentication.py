"""A customer token's authentication: what customerTokenCreate accepts, and the amr / auth_time claims it signs."""

from __future__ import annotations

import time
import uuid
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from auth.tokens import ALGORITHM, TOKEN_TYPE, InvalidToken, TokenAuthority, generate_key_pair
from services.delegated_tokens import AUTHENTICATED_AT_SKEW_S, check_authentication
from services.errors import ValidationFailed

NOW = datetime(2026, 11, 3, 9, 30, 0, 500_000, tzinfo=timezone.utc)
PARTNER_ID, CUSTOMER_ID = uuid.uuid4(), uuid.uuid4()


def _authority() -> TokenAuthority:
    key, _ = generate_key_pair()
    return TokenAuthority(issuer="https://qianbao.test", audience="qianbao-test", signing=key, verifying=[])


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


# --- the partner's account of the authentication ------------------------------------


def test_a_valid_authentication_is_kept_sorted_to_the_second():
    checked = check_authentication(["PIN", "BIOMETRIC"], NOW - timedelta(seconds=40), ttl_s=300, now=NOW)
    assert checked.methods == ("BIOMETRIC", "PIN")
    assert checked.authenticated_at == datetime(2026, 11, 3, 9, 29, 20, tzinfo=timezone.utc)


def test_a_time_without_offset_is_utc_and_a_little_skew_counts_as_now():
    naive = (NOW - timedelta(seconds=5)).replace(tzinfo=None)
    assert check_authentication(["PIN"], naive, ttl_s=300, now=NOW).authenticated_at == NOW.replace(microsecond=0) - timedelta(seconds=5)
    ahead = NOW + timedelta(seconds=AUTHENTICATED_AT_SKEW_S)
    assert check_authentication(["PIN"], ahead, ttl_s=300, now=NOW).authenticated_at == NOW.replace(microsecond=0)


@pytest.mark.parametrize(
    ("methods", "at", "field", "words"),
    [
        ([], NOW, ["authentication", "methods"], "at least one"),
        (["PASSWORD", "PASSWORD"], NOW, ["authentication", "methods"], "twice"),
        (["RETINA"], NOW, ["authentication", "methods"], "unknown"),
        (["PIN"], NOW + timedelta(seconds=AUTHENTICATED_AT_SKEW_S + 1), ["authentication", "authenticatedAt"], "future"),
        (["PIN"], NOW - timedelta(seconds=301), ["authentication", "authenticatedAt"], "older than the token"),
    ],
)
def test_a_bad_authentication_is_a_validation_error(methods, at, field, words):
    with pytest.raises(ValidationFailed) as caught:
        check_authentication(methods, at, ttl_s=300, now=NOW)
    assert caught.value.field == field and words in caught.value.message


# --- the claims ----------------------------------------------------------------------------


def test_the_token_carries_amr_and_auth_time_and_verifies_back_to_them():
    tokens = _authority()
    auth_time = int(time.time()) - 20
    token, _ = tokens.issue_customer_token(client_id="c", partner_id=PARTNER_ID, customer_id=CUSTOMER_ID,
                                           scopes=["wallets:read"], ttl_s=300, auth_methods=("PIN", "DEVICE_BOUND"),
                                           auth_time=auth_time)
    claims = _claims(token)
    assert (claims["amr"], claims["auth_time"]) == (["hwk", "pin"], auth_time)
    principal = tokens.verify(token)
    assert (principal.auth_methods, principal.auth_time) == (frozenset({"PIN", "DEVICE_BOUND"}), auth_time)


def test_without_authentication_the_token_says_nothing_of_it():
    tokens = _authority()
    token, _ = tokens.issue_customer_token(client_id="c", partner_id=PARTNER_ID, customer_id=CUSTOMER_ID,
                                           scopes=["wallets:read"], ttl_s=300)
    assert "amr" not in _claims(token) and "auth_time" not in _claims(token)
    principal = tokens.verify(token)
    assert (principal.auth_methods, principal.auth_time) == (frozenset(), None)
    partner, _ = tokens.issue_partner_token(client_id="c", partner_id=PARTNER_ID, scopes=["wallets:read"], ttl_s=300)
    assert tokens.verify(partner).auth_methods == frozenset()


@pytest.mark.parametrize("extra", [{"amr": "pwd", "auth_time": 1}, {"amr": ["pwd"]}, {"auth_time": 1},
                                   {"amr": ["pwd"], "auth_time": "1"}, {"amr": [1], "auth_time": 1}])
def test_malformed_authentication_claims_are_refused(extra):
    tokens = _authority()
    now = int(time.time())
    claims = {"kind": "customer", "sub": f"customer:{CUSTOMER_ID}", "client_id": "c", "partner_id": str(PARTNER_ID),
              "customer_id": str(CUSTOMER_ID), "scope": "wallets:read", "iss": tokens.issuer, "aud": tokens.audience,
              "iat": now, "nbf": now, "exp": now + 300, "jti": uuid.uuid4().hex, **extra}
    assert tokens.signing.private_key is not None
    token = jwt.encode(claims, tokens.signing.private_key, algorithm=ALGORITHM,
                       headers={"kid": tokens.signing.kid, "typ": TOKEN_TYPE})
    with pytest.raises(InvalidToken):
        tokens.verify(token)
