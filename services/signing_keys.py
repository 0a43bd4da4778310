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


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    created_at: datetime
    retired_at: datetime | None
    signing: bool


async def ensure_signing_key() -> None:
    """Create the first signing key if the database has none that is active."""
    if await SigningKey.filter(retired_at=None).exists():
        return
    await rotate_signing_key()


async def rotate_signing_key() -> str:
    """Add a new signing key; it signs from the next key reload on. Returns its kid."""
    pair, pem = generate_key_pair()
    await SigningKey.create(kid=pair.kid, algorithm="EdDSA", private_pem=pem, public_jwk=pair.public_jwk())
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


async def load_token_authority(*, issuer: str, audience: str) -> TokenAuthority:
    """Build the token authority from the active keys: the newest signs, all verify."""
    await ensure_signing_key()
    rows = await SigningKey.filter(retired_at=None).order_by("-created_at", "-kid")
    pairs: list[KeyPair] = [load_key_pair(row.kid, row.private_pem) for row in rows]
    return TokenAuthority(issuer=issuer, audience=audience, signing=pairs[0], verifying=pairs[1:])
