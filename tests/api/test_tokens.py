"""Bearer tokens on /graphql and the OAuth token endpoint's errors.

Every hostile token below differs from a valid one in exactly one way; the
control test proves the same builder makes tokens the API accepts, so each
401 is caused by the one thing that was changed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auth.tokens import TokenAuthority
from services.partners.onboarding import create_partner
from tests.api.support import assert_no_leak, error_codes
from tests.factories import GraphQLClient, next_id

VIEWER = "{ viewer { kind clientId scopes } }"
DROP = object()  # marks a claim or header to leave out


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64json(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for name, value in changes.items():
        if value is DROP:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


class TokenLab:
    """Builds tokens by hand: valid ones with our real key, and hostile variants."""

    def __init__(self, tokens: TokenAuthority, partner: GraphQLClient) -> None:
        self.tokens = tokens
        self.partner = partner

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        base = {
            "iss": self.tokens.issuer, "aud": self.tokens.audience, "sub": self.partner.client_id,
            "client_id": self.partner.client_id, "partner_id": self.partner.partner_id,
            "scope": " ".join(self.partner.scopes), "kind": "partner",
            "iat": now, "nbf": now, "exp": now + 600, "jti": uuid.uuid4().hex,
        }
        return _merge(base, changes)

    def header(self, **changes: Any) -> dict[str, Any]:
        return _merge({"alg": "EdDSA", "typ": "at+jwt", "kid": self.tokens.signing.kid}, changes)

    def sign(self, claims: dict[str, Any] | None = None, header: dict[str, Any] | None = None,
             key: Ed25519PrivateKey | None = None) -> str:
        """An EdDSA token over exactly this header and these claims."""
        signing_input = f"{_b64json(header or self.header())}.{_b64json(claims or self.claims())}"
        signature = (key or self.tokens.signing.private_key).sign(signing_input.encode())
        return f"{signing_input}.{_b64(signature)}"

    def hmac_token(self, secret: bytes) -> str:
        """HS256 with a public value as the secret (the algorithm-confusion attack)."""
        signing_input = f"{_b64json(self.header(alg='HS256'))}.{_b64json(self.claims())}"
        return f"{signing_input}.{_b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"

    def public_key_forms(self) -> list[bytes]:
        public = self.tokens.signing.public_key
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        return [raw, pem, _b64(raw).encode()]


@pytest.fixture
async def lab(app, clients) -> TokenLab:
    return TokenLab(app.state.qianbao.tokens, await clients.partner())


async def _assert_unauthorized(http, headers: dict[str, str]) -> None:
    """HTTP 401 with the Bearer challenge, on POST and on GET, and no data."""
    for response in (
        await http.post("/graphql", json={"query": VIEWER}, headers=headers),
        await http.get("/graphql", params={"query": VIEWER}, headers=headers),
        await http.get("/graphql", params={"query": VIEWER}, headers={**headers, "Accept": "text/html"}),
    ):
        assert response.status_code == 401, (headers, response.status_code, response.text[:300])
        assert response.headers["www-authenticate"].startswith("Bearer"), response.headers
        body = response.json()
        assert body.get("data") is None
        assert error_codes(body) == ["UNAUTHENTICATED"], body
        assert_no_leak(response.text)


async def _assert_accepted(http, token: str, partner: GraphQLClient) -> None:
    response = await http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["viewer"]["clientId"] == partner.client_id


async def test_hand_built_tokens_are_accepted_when_nothing_is_wrong(http, lab):
    await _assert_accepted(http, lab.sign(), lab.partner)
    now = int(time.time())
    # The longest lifetime allowed, and a clock a little behind ours, still pass.
    await _assert_accepted(http, lab.sign(lab.claims(iat=now, nbf=DROP, exp=now + 3600)), lab.partner)
    await _assert_accepted(http, lab.sign(lab.claims(iat=now + 10, nbf=now + 10)), lab.partner)
    # RFC 6750: the scheme name is case-insensitive.
    response = await http.post("/graphql", json={"query": VIEWER}, headers={"Authorization": f"bearer {lab.sign()}"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Bearer garbage", "Bearer a.b.c", "Bearer ....", "Bearer " + "x" * 5000,
     "Basic dXNlcjpwYXNz", "Token {token}", "{token}", "Bearer{token}", "Digest {token}"],
    ids=["no-header", "empty", "scheme-only", "scheme-space", "garbage", "three-parts", "dots", "oversized",
         "basic", "token-scheme", "no-scheme", "no-space", "digest"],
)
async def test_missing_or_malformed_authorization_is_401(http, lab, authorization):
    headers = {} if authorization is None else {"Authorization": authorization.replace("{token}", lab.sign())}
    await _assert_unauthorized(http, headers)


def _now() -> int:
    return int(time.time())


HOSTILE: dict[str, Callable[[TokenLab], str]] = {
    "expired": lambda lab: lab.sign(lab.claims(iat=_now() - 700, nbf=_now() - 700, exp=_now() - 100)),
    "not-yet-valid-nbf": lambda lab: lab.sign(lab.claims(nbf=_now() + 300, exp=_now() + 900)),
    "issued-in-the-future": lambda lab: lab.sign(lab.claims(iat=_now() + 300, nbf=DROP, exp=_now() + 900)),
    "lifetime-over-an-hour": lambda lab: lab.sign(lab.claims(exp=_now() + 3601)),
    "lifetime-a-day": lambda lab: lab.sign(lab.claims(exp=_now() + 86400)),
    "wrong-audience": lambda lab: lab.sign(lab.claims(aud="someone-else")),
    "audience-list-without-ours": lambda lab: lab.sign(lab.claims(aud=["someone-else"])),
    "wrong-issuer": lambda lab: lab.sign(lab.claims(iss="https://evil.example")),
    "missing-exp": lambda lab: lab.sign(lab.claims(exp=DROP)),
    "missing-iat": lambda lab: lab.sign(lab.claims(iat=DROP)),
    "missing-iss": lambda lab: lab.sign(lab.claims(iss=DROP)),
    "missing-aud": lambda lab: lab.sign(lab.claims(aud=DROP)),
    "missing-jti": lambda lab: lab.sign(lab.claims(jti=DROP)),
    "missing-sub": lambda lab: lab.sign(lab.claims(sub=DROP)),
    "missing-partner": lambda lab: lab.sign(lab.claims(partner_id=DROP)),
    "partner-not-a-uuid": lambda lab: lab.sign(lab.claims(partner_id="1")),
    "not-a-partner-token": lambda lab: lab.sign(lab.claims(kind="staff")),
    "scope-not-a-string": lambda lab: lab.sign(lab.claims(scope=["wallets:read"])),
    "exp-a-string": lambda lab: lab.sign(lab.claims(exp=str(_now() + 600))),
    "iat-a-string": lambda lab: lab.sign(lab.claims(iat=str(_now()))),
    "alg-none": lambda lab: f"{_b64json(lab.header(alg='none'))}.{_b64json(lab.claims())}.",
    "alg-None": lambda lab: f"{_b64json(lab.header(alg='None'))}.{_b64json(lab.claims())}.",
    "alg-NONE-with-signature": lambda lab: (
        f"{_b64json(lab.header(alg='NONE'))}.{_b64json(lab.claims())}.{lab.sign().rsplit('.', 1)[1]}"
    ),
    "hs256-raw-public-key": lambda lab: lab.hmac_token(lab.public_key_forms()[0]),
    "hs256-pem-public-key": lambda lab: lab.hmac_token(lab.public_key_forms()[1]),
    "hs256-jwk-x": lambda lab: lab.hmac_token(lab.public_key_forms()[2]),
    "es256-attacker-key": lambda lab: jwt.encode(
        lab.claims(), ec.generate_private_key(ec.SECP256R1()), algorithm="ES256",
        headers={"kid": lab.tokens.signing.kid, "typ": "at+jwt"},
    ),
    "unknown-kid": lambda lab: lab.sign(header=lab.header(kid="not-our-key")),
    "missing-kid": lambda lab: lab.sign(header=lab.header(kid=DROP)),
    "kid-not-a-string": lambda lab: lab.sign(header=lab.header(kid=7)),
    "attacker-key-our-kid": lambda lab: lab.sign(key=Ed25519PrivateKey.generate()),
    "attacker-key-own-kid": lambda lab: lab.sign(header=lab.header(kid=uuid.uuid4().hex), key=Ed25519PrivateKey.generate()),
    "jku-header": lambda lab: lab.sign(header=lab.header(jku="https://evil.example/jwks.json")),
    "x5u-header": lambda lab: lab.sign(header=lab.header(x5u="https://evil.example/cert.pem")),
    "embedded-jwk": lambda lab: _embedded_jwk_token(lab),
    "typ-jwt": lambda lab: lab.sign(header=lab.header(typ="JWT")),
    "typ-missing": lambda lab: lab.sign(header=lab.header(typ=DROP)),
    "tampered-payload": lambda lab: _tampered(lab, scope="wallets:read customers:write admin"),
    "tampered-partner": lambda lab: _tampered(lab, partner_id=str(uuid.uuid4())),
    "tampered-expiry": lambda lab: _tampered(lab, exp=_now() + 1800),
    "tampered-signature": lambda lab: _flip_signature(lab.sign()),
    "signature-stripped": lambda lab: lab.sign().rsplit(".", 1)[0] + ".",
    "two-parts": lambda lab: lab.sign().rsplit(".", 1)[0],
    "payload-not-json": lambda lab: _with_payload(lab, b"not json"),
    "payload-a-list": lambda lab: _with_payload(lab, b"[1, 2]"),
}


def _embedded_jwk_token(lab: TokenLab) -> str:
    attacker = Ed25519PrivateKey.generate()
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(attacker.public_key()))
    return lab.sign(header=lab.header(jwk=jwk), key=attacker)


def _tampered(lab: TokenLab, **changes: Any) -> str:
    """A real signed token whose payload was edited afterwards, signature kept."""
    header, _, signature = lab.sign().split(".")
    return f"{header}.{_b64json(lab.claims(**changes))}.{signature}"


def _flip_signature(token: str) -> str:
    head, signature = token.rsplit(".", 1)
    middle = len(signature) // 2  # not the last character: its low bits are padding
    flipped = "A" if signature[middle] != "A" else "B"
    return f"{head}.{signature[:middle]}{flipped}{signature[middle + 1:]}"


def _with_payload(lab: TokenLab, payload: bytes) -> str:
    signing_input = f"{_b64json(lab.header())}.{_b64(payload)}"
    return f"{signing_input}.{_b64(lab.tokens.signing.private_key.sign(signing_input.encode()))}"


@pytest.mark.parametrize("case", list(HOSTILE))
async def test_hostile_tokens_are_401(http, lab, case):
    await _assert_unauthorized(http, {"Authorization": f"Bearer {HOSTILE[case](lab)}"})


# --- POST /oauth/token errors (RFC 6749 §5.2) ---------------------------------


async def _new_client(scopes: list[str] | None = None) -> tuple[str, str]:
    created = await create_partner(name=next_id("oauth-partner"), scopes=scopes)
    return created.client.client_id, created.client_secret


def _basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


async def _oauth_error(response, status: int, error: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert body["error"] == error, body
    assert isinstance(body.get("error_description"), str)
    assert "access_token" not in body
    assert response.headers["cache-control"] == "no-store"
    if status == 401:
        assert "www-authenticate" in response.headers


async def test_wrong_or_unknown_client_credentials_are_invalid_client(http):
    client_id, secret = await _new_client()
    grant = {"grant_type": "client_credentials"}
    for form, headers in (
        ({**grant, "client_id": client_id, "client_secret": secret + "x"}, {}),
        ({**grant, "client_id": client_id, "client_secret": ""}, {}),
        ({**grant, "client_id": "qb_unknown0000000000000000", "client_secret": secret}, {}),
        ({**grant, "client_id": client_id}, {}),
        (grant, {}),
        (grant, _basic(client_id, "wrong")),
        (grant, _basic("qb_nobody", secret)),
        ({**grant, "client_id": "x" * 500, "client_secret": "y" * 500}, {}),
    ):
        await _oauth_error(await http.post("/oauth/token", data=form, headers=headers), 401, "invalid_client")


async def test_malformed_token_requests_are_invalid_request(http):
    client_id, secret = await _new_client()
    creds = {"client_id": client_id, "client_secret": secret}
    await _oauth_error(await http.post("/oauth/token", data=creds), 400, "invalid_request")
    await _oauth_error(
        await http.post("/oauth/token", json={"grant_type": "client_credentials", **creds}), 400, "invalid_request"
    )
    duplicated = f"grant_type=client_credentials&grant_type=client_credentials&client_id={client_id}&client_secret={secret}"
    await _oauth_error(
        await http.post("/oauth/token", content=duplicated.encode(),
                        headers={"content-type": "application/x-www-form-urlencoded"}),
        400, "invalid_request",
    )


@pytest.mark.parametrize("grant_type", ["password", "authorization_code", "refresh_token", "CLIENT_CREDENTIALS", ""])
async def test_other_grant_types_are_unsupported(http, grant_type):
    client_id, secret = await _new_client()
    response = await http.post(
        "/oauth/token", data={"grant_type": grant_type, "client_id": client_id, "client_secret": secret,
                              "username": "a", "password": "b"},
    )
    await _oauth_error(response, 400, "unsupported_grant_type")


async def test_scope_beyond_the_clients_is_invalid_scope(http):
    client_id, secret = await _new_client(scopes=["wallets:read", "customers:read"])
    for scope in ("wallets:read transactions:write", "admin", "wallets:write", "wallets:read customers:read kyc:read"):
        response = await http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": scope},
        )
        await _oauth_error(response, 400, "invalid_scope")
    granted = await http.post(
        "/oauth/token", data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    )
    assert granted.status_code == 200 and granted.json()["scope"] == "customers:read wallets:read"


async def test_a_narrower_token_gets_only_its_scopes_and_is_forbidden_the_rest(http, clients):
    full = await clients.partner()
    wallet = await full.open_wallet("CNY")
    assert (await full.top_up(wallet["id"], "10.00"))["userErrors"] == []
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": full.client_id, "client_secret": full.client_secret,
              "scope": "wallets:read"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "wallets:read"
    narrow = GraphQLClient(http=http, token=response.json()["access_token"], partner_id=full.partner_id,
                           client_id=full.client_id, client_secret=full.client_secret, scopes=["wallets:read"])

    assert (await narrow.ok(VIEWER))["viewer"]["scopes"] == ["wallets:read"]
    assert await narrow.balance(wallet["id"]) == "10.00"
    forbidden = [
        ('mutation($w: ID!) { walletTopUp(input: {walletId: $w, amount: "1.00", idempotencyKey: "narrow-1"})'
         " { transaction { id } } }", "walletTopUp"),
        ('mutation($w: ID!) { withdrawalCreate(input: {walletId: $w, amount: "1.00", idempotencyKey: "narrow-2"})'
         " { transaction { id } } }", "withdrawalCreate"),
        ("{ customers { nodes { id } } }", "customers"),
        ("query($w: ID!) { transactions(walletId: $w) { nodes { id } } }", "transactions"),
        ("query($w: ID!) { wallet(id: $w) { customer { id } } }", "customer"),
        ("query($w: ID!) { wallet(id: $w) { transactions { nodes { id } } } }", "transactions"),
    ]
    for document, field in forbidden:
        body = await narrow.gql(document, {"w": wallet["id"]})
        assert error_codes(body) == ["FORBIDDEN"], (document, body)
        assert body["errors"][0]["path"][-1] == field, body
    txn_id = (await full.top_up(wallet["id"], "1.00"))["transaction"]["id"]
    node = await narrow.gql("query($id: ID!) { node(id: $id) { id } }", {"id": txn_id})
    assert node == {"data": {"node": None}}, node  # node(id:) answers what a token may not read like a missing ID
    # The refused mutations moved nothing (the full token's own top-up added 1.00).
    assert await full.balance(wallet["id"]) == "11.00"
