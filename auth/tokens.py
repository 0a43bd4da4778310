"""JWT issue and verification: EdDSA only, our own key ids, required claims.

Verification never trusts the token header for anything but looking up a
`kid` in our own key set: the algorithm comes from our allowlist, and no URL
in the header (`jku`, `x5u`) is ever fetched.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from auth.auth_methods import amr_claim, methods_of_amr
from auth.principal import CUSTOMER, ENVIRONMENTS, LIVE, PARTNER, STAFF, Principal
from auth.roles import STAFF_ROLES, permissions_of
from auth.scopes import PARTNER_SCOPES

ALGORITHM = "EdDSA"
ALLOWED_ALGORITHMS = [ALGORITHM]
TOKEN_TYPE = "at+jwt"  # RFC 9068 access-token media type
CLOCK_LEEWAY_S = 30
MAX_TOKEN_LIFETIME_S = 3600
_VERIFIED_CACHE_S = 30.0
_VERIFIED_CACHE_SIZE = 10_000
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "jti", "sub"]


class InvalidToken(Exception):
    """The bearer token is missing, malformed, expired or not ours."""


@dataclass(frozen=True)
class KeyPair:
    kid: str
    private_key: Ed25519PrivateKey | None
    public_key: Ed25519PublicKey

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK for /.well-known/jwks.json."""
        jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(self.public_key))
        return {**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}


def generate_key_pair() -> tuple[KeyPair, str]:
    """Make a fresh Ed25519 key pair; return it with its private PEM for storage."""
    private_key = Ed25519PrivateKey.generate()
    kid = uuid.uuid4().hex
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return KeyPair(kid=kid, private_key=private_key, public_key=private_key.public_key()), pem


def load_key_pair(kid: str, private_pem: str) -> KeyPair:
    """Rebuild a key pair from its stored private PEM."""
    private_key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ValueError(f"signing key {kid} is not an Ed25519 key")
    return KeyPair(kid=kid, private_key=private_key, public_key=private_key.public_key())


class TokenAuthority:
    """Signs and verifies access tokens with a set of our own keys."""

    def __init__(self, *, issuer: str, audience: str, signing: KeyPair, verifying: list[KeyPair]) -> None:
        self.issuer = issuer
        self.audience = audience
        self.signing = signing
        self._verifying = {key.kid: key for key in [signing, *verifying]}
        # Verified tokens, so a client's repeated token costs one signature check
        # per 30 s. Liveness (revocation, suspension) is checked on every request
        # elsewhere; this only remembers that the signature and claims were valid.
        self._verified: dict[str, tuple[Principal, float]] = {}

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """Every public key that verifies tokens we issued."""
        return {"keys": [key.public_jwk() for key in self._verifying.values()]}

    def issue_partner_token(
        self, *, client_id: str, partner_id: uuid.UUID, scopes: list[str], ttl_s: int, environment: str = LIVE,
    ) -> tuple[str, int]:
        """Sign a partner access token; return it and its lifetime in seconds.

        `environment` (the partner's: LIVE or SANDBOX) is the `env` claim; a
        token whose claim is not its partner's environment is refused (services.token_liveness).
        """
        return self._issue({"kind": PARTNER, "sub": client_id, "client_id": client_id,
                            "partner_id": str(partner_id), "scope": " ".join(scopes), "env": _env(environment)}, ttl_s)

    def issue_customer_token(
        self, *, client_id: str, partner_id: uuid.UUID, customer_id: uuid.UUID, scopes: list[str], ttl_s: int,
        auth_methods: Iterable[str] = (), auth_time: int | None = None, environment: str = LIVE,
        member_id: uuid.UUID | None = None, member_role: str | None = None, minted_by: str | None = None,
    ) -> tuple[str, int]:
        """Sign a token a partner hands to its frontend: limited to one customer.

        With `auth_methods` and `auth_time` (how and when the partner
        authenticated the customer), the token carries them as `amr` and `auth_time`.
        `environment` is the partner's, as the `env` claim (see issue_partner_token).
        """
        claims: dict[str, Any] = {"kind": CUSTOMER, "sub": f"customer:{customer_id}", "client_id": client_id,
                                  "partner_id": str(partner_id), "customer_id": str(customer_id),
                                  "scope": " ".join(scopes), "env": _env(environment)}
        if auth_methods and auth_time is not None:
            claims |= {"amr": amr_claim(auth_methods), "auth_time": int(auth_time)}
        if member_id is not None:
            # A business member's token: the member acts, with its role (issue 16).
            claims |= {"member_id": str(member_id), "member_role": str(member_role)}
        if minted_by is not None:
            # The minting token's jti: a revocation of that token reaches this one (services.token_liveness).
            claims["mjti"] = minted_by
        return self._issue(claims, ttl_s)

    def issue_staff_token(self, *, staff_id: uuid.UUID, role: str, ttl_s: int) -> tuple[str, int]:
        """Sign a bank staff token carrying the staff member's role."""
        return self._issue({"kind": STAFF, "sub": str(staff_id), "role": role}, ttl_s)

    def _issue(self, claims: dict[str, Any], ttl_s: int) -> tuple[str, int]:
        if not 1 <= ttl_s <= MAX_TOKEN_LIFETIME_S:
            raise ValueError("token lifetime out of range")
        now = int(time.time())
        full = {**claims, "iss": self.issuer, "aud": self.audience, "iat": now, "nbf": now,
                "exp": now + ttl_s, "jti": uuid.uuid4().hex}
        assert self.signing.private_key is not None
        token = jwt.encode(
            full, self.signing.private_key, algorithm=ALGORITHM, headers={"kid": self.signing.kid, "typ": TOKEN_TYPE}
        )
        return token, ttl_s

    def verify(self, token: str) -> Principal:
        """Verify a bearer token and return its principal, or raise InvalidToken."""
        cached = self._verified.get(token)
        now = time.time()
        if cached is not None and now < cached[1]:
            return cached[0]
        principal = self._verify_uncached(token)
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            self._verified.clear()
        expires = principal.expires_at if principal.expires_at is not None else now
        self._verified[token] = (principal, min(expires + CLOCK_LEEWAY_S, now + _VERIFIED_CACHE_S))
        return principal

    def _verify_uncached(self, token: str) -> Principal:
        if not token or len(token) > 4096:
            raise InvalidToken("missing or oversized token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("malformed token") from None
        if header.get("alg") not in ALLOWED_ALGORITHMS or header.get("typ") != TOKEN_TYPE:
            raise InvalidToken("unexpected token type or algorithm")
        if "jku" in header or "x5u" in header or "jwk" in header or "x5c" in header:
            raise InvalidToken("key references in the header are not accepted")
        kid = header.get("kid")
        key = self._verifying.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("unknown key id")
        try:
            claims = jwt.decode(
                token,
                key.public_key,
                algorithms=ALLOWED_ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=CLOCK_LEEWAY_S,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        if not all(_is_numeric_date(claims[name]) for name in ("exp", "iat", "nbf") if name in claims):
            # PyJWT reads "exp": "123" with int(); a NumericDate must be a JSON number.
            raise InvalidToken("exp, iat and nbf must be numbers")
        if claims["exp"] - claims["iat"] > MAX_TOKEN_LIFETIME_S:
            raise InvalidToken("token lifetime is too long")
        if claims["iat"] > time.time() + CLOCK_LEEWAY_S:
            raise InvalidToken("token issued in the future")
        return _principal_from_claims(claims)


def _env(environment: str) -> str:
    """The `env` claim of a partner or customer token: live or sandbox (a partner's LIVE / SANDBOX, any case)."""
    value = str(getattr(environment, "value", environment)).lower()
    if value not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r}")
    return value


def _environment_claim(claims: dict) -> str:
    """The token's environment: its `env` claim (live or sandbox); a token without one is live."""
    env = claims.get("env", LIVE)
    if not isinstance(env, str) or env not in ENVIRONMENTS:
        raise InvalidToken("env must be live or sandbox")
    return env


def _is_numeric_date(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _uuid_claim(claims: dict, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(claims[name]))
    except (KeyError, ValueError):
        raise InvalidToken(f"token has no valid {name}") from None


def _principal_from_claims(claims: dict) -> Principal:
    kind = claims.get("kind")
    common = {"token_id": str(claims["jti"]), "expires_at": int(claims["exp"]), "issued_at": int(claims["iat"])}
    if kind == STAFF:
        role = claims.get("role")
        if not isinstance(role, str) or role not in STAFF_ROLES:
            raise InvalidToken("unknown staff role")
        staff_id = _uuid_claim(claims, "sub")
        # Staff are environment-less: they read live and sandbox partners alike, each object flagged.
        return Principal(kind=STAFF, subject=str(staff_id), partner_id=None, scopes=permissions_of(role), role=role,
                         environment=None, **common)
    if kind not in (PARTNER, CUSTOMER):
        raise InvalidToken("unsupported token kind")
    scope = claims.get("scope", "")
    client_id = claims.get("client_id")
    if not isinstance(scope, str) or not isinstance(client_id, str):
        raise InvalidToken("scope and client_id must be strings")
    scopes = frozenset(scope.split())
    if not scopes <= set(PARTNER_SCOPES):
        raise InvalidToken("unknown scope in token")
    return Principal(
        kind=kind,
        subject=client_id,
        partner_id=_uuid_claim(claims, "partner_id"),
        scopes=scopes,
        customer_id=_uuid_claim(claims, "customer_id") if kind == CUSTOMER else None,
        **(_authentication_claims(claims) if kind == CUSTOMER else {}),
        **(_member_claims(claims) if kind == CUSTOMER else {}),
        **(_minted_by_claim(claims) if kind == CUSTOMER else {}),
        environment=_environment_claim(claims),
        **common,
    )


def _authentication_claims(claims: dict) -> dict[str, Any]:
    """A customer token's `amr` and `auth_time` as Principal fields (absent: nothing was said)."""
    amr, auth_time = claims.get("amr"), claims.get("auth_time")
    if amr is None and auth_time is None:
        return {}
    if not isinstance(amr, list) or not all(isinstance(v, str) for v in amr) or not _is_numeric_date(auth_time):
        raise InvalidToken("amr must be a list of strings and auth_time a number, together")
    return {"auth_methods": methods_of_amr(amr), "auth_time": int(auth_time)}


def _minted_by_claim(claims: dict) -> dict[str, Any]:
    """A customer token's `mjti` (the minting token's jti) as Principal.minted_by (absent: older tokens)."""
    minted_by = claims.get("mjti")
    if minted_by is None:
        return {}
    if not isinstance(minted_by, str) or not 0 < len(minted_by) <= 64:
        raise InvalidToken("mjti must be a token id")
    return {"minted_by": minted_by}


def _member_claims(claims: dict) -> dict[str, Any]:
    """A business member's token: its `member_id` and `member_role` as Principal fields (absent: no member)."""
    member_id, role = claims.get("member_id"), claims.get("member_role")
    if member_id is None and role is None:
        return {}
    if not isinstance(role, str) or not 0 < len(role) <= 16:
        raise InvalidToken("member_id and member_role come together")
    return {"member_id": _uuid_claim(claims, "member_id"), "member_role": role}
