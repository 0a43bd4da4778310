"""Real tokens for the token tests: signed by the session's signing keys, verified back into principals."""

from __future__ import annotations

import uuid

from auth.passwords import hash_secret_async
from auth.principal import Principal
from auth.scopes import PARTNER_SCOPES
from auth.tokens import TokenAuthority
from models import StaffUser
from services.partners.onboarding import create_partner
from services.signing_keys import load_token_authority


async def authority() -> TokenAuthority:
    return await load_token_authority(issuer="https://qianbao.test", audience="qianbao-test")


async def partner_token(tokens: TokenAuthority, name: str, scopes: list[str] | None = None) -> tuple[str, Principal]:
    """A new partner and a token of its first client; the token and the principal it verifies to."""
    created = await create_partner(name=name)
    token, _ = tokens.issue_partner_token(client_id=created.client.client_id, partner_id=created.partner.id,
                                          scopes=sorted(scopes or PARTNER_SCOPES), ttl_s=300)
    return token, tokens.verify(token)


async def staff_token(tokens: TokenAuthority, role: str = "admin") -> tuple[StaffUser, Principal]:
    user = await StaffUser.create(email=f"{uuid.uuid4().hex[:12]}@bank.test", password_hash=await hash_secret_async("x" * 16),
                                  role=role)
    token, _ = tokens.issue_staff_token(staff_id=user.id, role=role, ttl_s=300)
    return user, tokens.verify(token)
