"""The JWT signing keys: created once on first start, shared by every worker."""

from __future__ import annotations

from auth.tokens import KeyPair, TokenAuthority, generate_key_pair, load_key_pair
from models import SigningKey


async def ensure_signing_key() -> None:
    """Create the first signing key if the database has none that is active."""
    if await SigningKey.filter(retired_at=None).exists():
        return
    pair, pem = generate_key_pair()
    await SigningKey.create(kid=pair.kid, algorithm="EdDSA", private_pem=pem, public_jwk=pair.public_jwk())


async def load_token_authority(*, issuer: str, audience: str) -> TokenAuthority:
    """Build the token authority from the active keys: the oldest signs, all verify."""
    await ensure_signing_key()
    # Several workers may race to create the first key; every worker then signs
    # with the same, oldest active key, and verifies with all of them.
    rows = await SigningKey.filter(retired_at=None).order_by("created_at", "kid")
    pairs: list[KeyPair] = [load_key_pair(row.kid, row.private_pem) for row in rows]
    return TokenAuthority(issuer=issuer, audience=audience, signing=pairs[0], verifying=pairs[1:])
