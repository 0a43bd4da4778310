"""Bearer-token verification for /graphql: no valid, live token, HTTP 401."""

from __future__ import annotations

import time

from api.state import AppState
from auth.principal import Principal
from auth.tokens import InvalidToken
from services.signing_keys import load_token_authority
from services.token_liveness import principal_is_live

# A token with an unknown kid may be signed by a key another worker just
# created or rotated in: reload the key set then, at most this often.
_KEY_RELOAD_INTERVAL_S = 5.0
# Every worker reloads the key set this often anyway, so a retired key's
# tokens stop working everywhere within this delay.
_KEY_REFRESH_S = 10.0


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def reload_keys(state: AppState) -> None:
    """Load the current key set from the database."""
    state.tokens = await load_token_authority(issuer=state.settings.issuer, audience=state.settings.audience)
    state.keys_loaded_at = time.monotonic()


async def authenticate(state: AppState, authorization: str | None) -> Principal:
    """Verify the request's bearer token and its liveness; return its principal or raise InvalidToken."""
    token = bearer_token(authorization)
    if token is None:
        raise InvalidToken("missing bearer token")
    if time.monotonic() - state.keys_loaded_at > _KEY_REFRESH_S:
        await reload_keys(state)
    assert state.tokens is not None
    try:
        principal = state.tokens.verify(token)
    except InvalidToken as exc:
        if str(exc) != "unknown key id" or time.monotonic() - state.keys_loaded_at < _KEY_RELOAD_INTERVAL_S:
            raise
        await reload_keys(state)
        principal = state.tokens.verify(token)
    if not await principal_is_live(principal):
        raise InvalidToken("token revoked, or its client, partner or user is no longer active")
    return principal
