"""Checking an API client's credentials at the token endpoint (an unknown client costs as much as a wrong secret)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from auth.passwords import hash_secret_async, needs_rehash, verify_secret_async
from models import ApiClient, Partner
from models.enums import ApiClientStatus, PartnerStatus
from services.token_liveness import wait_until_tokens_live

# Verified against when the client id is unknown, so that an unknown client
# costs the same argon2 work as a wrong secret (no timing oracle).
_DUMMY_HASH: str | None = None


@dataclass(frozen=True)
class AuthenticatedClient:
    partner: Partner
    client: ApiClient
    scopes: list[str]
    # Set when the secret was the one a rotation replaced (in its grace period): tokens must expire by then.
    secret_expires_s: int | None = None

    def token_ttl_s(self, default_s: int) -> int:
        """The lifetime of a token issued now: the default, cut to what is left of a replaced secret's grace period."""
        if self.secret_expires_s is None:
            return default_s
        return min(default_s, self.secret_expires_s - int(time.time()))


async def authenticate_client(*, client_id: str, client_secret: str) -> AuthenticatedClient | None:
    """Check client credentials; None for unknown, revoked, suspended or wrong secret.

    The secret a rotation replaced is accepted until its grace period ends.
    Returns once a token issued now would be live (past every cutoff: see
    services.token_liveness), which right after a suspension, rotation or
    reactivation may take up to a second.
    """
    global _DUMMY_HASH
    client = None
    if 0 < len(client_id) <= 64 and len(client_secret) <= 256:
        client = await ApiClient.get_or_none(client_id=client_id).select_related("partner")
    if client is None:
        if _DUMMY_HASH is None or needs_rehash(_DUMMY_HASH):
            # Made (again) with the current parameters, or it would cost less than a real hash.
            _DUMMY_HASH = await hash_secret_async(secrets.token_urlsafe(32))
        await verify_secret_async(_DUMMY_HASH, client_secret)
        return None
    secret_expires_s = None
    if not await verify_secret_async(client.secret_hash, client_secret):
        if not await _is_replaced_secret_in_grace(client, client_secret):
            return None
        secret_expires_s = client.previous_secret_expires_s
    if client.status != ApiClientStatus.ACTIVE or client.partner.status != PartnerStatus.ACTIVE:
        return None
    await wait_until_tokens_live(client.partner.min_token_iat_s, client.min_token_iat_s, client.pending_min_token_iat_s)
    return AuthenticatedClient(partner=client.partner, client=client, scopes=client.scopes.split(),
                               secret_expires_s=secret_expires_s)


async def _is_replaced_secret_in_grace(client: ApiClient, client_secret: str) -> bool:
    expires_s = client.previous_secret_expires_s
    if client.previous_secret_hash is None or expires_s is None or expires_s <= int(time.time()):
        return False
    return await verify_secret_async(client.previous_secret_hash, client_secret)
