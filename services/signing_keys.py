"""The JWT signing keys: created on first start, rotated and retired by the bank.

The newest active key signs; every active key verifies and is published in
the JWKS, so tokens signed before a rotation stay valid until they expire.
Retiring a key removes it from the JWKS and refuses its tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from auth.tokens import MAX_TOKEN_LIFETIME_S, KeyPair, TokenAuthority, generate_key_pair, load_key_pair
from models import SigningKey
from services.errors import NotFound, ValidationFailed
from services.pii.envelope import decrypt_value, encrypt_value
from services.pii.registry import pii_context

# A private key stored before issue 19 is a PEM in clear; every key stored since is sealed under a data key.
_CLEAR_PEM = "-----BEGIN"


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    created_at: datetime
    retired_at: datetime | None
    signing: bool


def _context(kid: str) -> str:
    """The sealed private key's associated data: it opens only as this key's row."""
    return pii_context("signing_key", "private_pem", kid)


async def seal_clear_keys() -> int:
    """Seal every private key still stored in clear (keys stored before issue 19); how many were sealed."""
    sealed = 0
    for row in await SigningKey.filter(private_pem__startswith=_CLEAR_PEM):
        # Conditional: a worker starting at the same moment seals it once, not twice over the other's token.
        sealed += await SigningKey.filter(kid=row.kid, private_pem=row.private_pem).update(
            private_pem=await encrypt_value(row.private_pem, context=_context(row.kid)))
    return sealed


async def ensure_signing_key() -> None:
    """Create the first signing key if the database has none that is active; seal keys still in clear."""
    await seal_clear_keys()
    if await SigningKey.filter(retired_at=None).exists():
        return
    await rotate_signing_key()


async def rotate_signing_key() -> str:
    """Add a new signing key; it signs from the next key reload on. Returns its kid."""
    pair, pem = generate_key_pair()
    # Sealed under the newest data key (the master key wraps it): a database backup alone mints no token.
    await SigningKey.create(kid=pair.kid, algorithm="EdDSA", private_pem=await encrypt_value(pem, context=_context(pair.kid)),
                            public_jwk=pair.public_jwk())
    return pair.kid


async def retire_signing_key(kid: str, *, force: bool = False) -> None:
    """Retire a key: out of the JWKS, its tokens refused. The signing key needs force."""
    key = await SigningKey.get_or_none(kid=kid, retired_at=None)
    if key is None:
        raise NotFound(f"no active key {kid!r}")
    newest = await SigningKey.filter(retired_at=None).order_by("-created_at", "-kid").first()
    if newest is not None and newest.kid == kid and not force:
        raise ValidationFailed("this key signs new tokens: rotate first, or pass force")
    if not force and newest is not None and newest.kid != kid:
        since_rotation_s = (datetime.now(timezone.utc) - newest.created_at).total_seconds()
        if since_rotation_s < MAX_TOKEN_LIFETIME_S:
            raise ValidationFailed(
                f"tokens signed by {kid} may still be valid for {int(MAX_TOKEN_LIFETIME_S - since_rotation_s)} s;"
                " wait, or pass force to refuse them now"
            )
    await SigningKey.filter(kid=kid).update(retired_at=datetime.now(timezone.utc))


async def list_keys() -> list[KeyInfo]:
    """Every key, newest first, with which one signs."""
    rows = await SigningKey.all().order_by("-created_at", "-kid")
    signer = next((row.kid for row in rows if row.retired_at is None), None)
    return [KeyInfo(kid=r.kid, created_at=r.created_at, retired_at=r.retired_at, signing=r.kid == signer) for r in rows]


async def _private_pem(row: SigningKey) -> str:
    """The key's private PEM, opened with its data key (a key in clear as it is: sealed at the next start)."""
    if row.private_pem.startswith(_CLEAR_PEM):
        return row.private_pem
    return await decrypt_value(row.private_pem, context=_context(row.kid))


async def load_token_authority(*, issuer: str, audience: str) -> TokenAuthority:
    """Build the token authority from the active keys: the newest signs, all verify."""
    await ensure_signing_key()
    rows = await SigningKey.filter(retired_at=None).order_by("-created_at", "-kid")
    pairs: list[KeyPair] = [load_key_pair(row.kid, await _private_pem(row)) for row in rows]
    return TokenAuthority(issuer=issuer, audience=audience, signing=pairs[0], verifying=pairs[1:])
