"""Bearer-token verification for /graphql: no valid token, HTTP 401."""

from __future__ import annotations

import time

from api.state import AppState
from auth.principal import Principal
from auth.tokens import InvalidToken
from services.signing_keys import load_token_authority

# A token with an unknown kid may be signed by a key another worker just
# created or rotated in; reload the key set at most this often.
_KEY_RELOAD_INTERVAL_S = 5.0


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticate(state: AppState, authorization: str | None) -> Principal:
    """Verify the request's bearer token and return its principal, or raise InvalidToken."""
    token = bearer_token(authorization)
    if token is None:
        raise InvalidToken("missing bearer token")
    assert state.tokens is not None
    try:
        return state.tokens.verify(token)
    except InvalidToken as exc:
        if str(exc) != "unknown key id" or time.monotonic() - state.keys_loaded_at < _KEY_RELOAD_INTERVAL_S:
            raise
    state.tokens = await load_token_authority(issuer=state.settings.issuer, audience=state.settings.audience)
    state.keys_loaded_at = time.monotonic()
    return state.tokens.verify(token)
