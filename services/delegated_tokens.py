"""Delegated customer tokens (for a partner's frontend) and token revocation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from auth.principal import Principal
from auth.tokens import InvalidToken, TokenAuthority
from models import Customer, RevokedToken
from services.customers import CustomerRecord
from services.errors import NotFound, ValidationFailed
from services.authority import is_staff
from services.outcome import AuditTarget, ServiceResult
from services.scoping import get_scoped, sees_row
from services.token_liveness import announce_access_change

MAX_CUSTOMER_TOKEN_TTL_S = 15 * 60
DEFAULT_CUSTOMER_TOKEN_TTL_S = 5 * 60
# What a frontend may ever do: read its customer's data, move its own money.
CUSTOMER_TOKEN_SCOPES = frozenset(
    {"customers:read", "wallets:read", "transactions:read", "transactions:write", "fees:read", "kyc:read"}
)


@dataclass(frozen=True, kw_only=True)
class CustomerToken(ServiceResult):
    """A minted customer token, shown once, and the customer it acts for."""

    token: str
    expires_at: datetime
    scopes: list[str]
    customer: CustomerRecord

    def audit_target(self) -> AuditTarget | None:
        """Minting a token is filed under the customer it acts for."""
        return self.customer.audit_target()


async def create_customer_token(
    *, principal: Principal, tokens: TokenAuthority, customer_id: uuid.UUID | None, scopes: list[str], ttl_s: int | None
) -> CustomerToken:
    """Mint a short-lived token limited to one of the partner's customers and a subset of the partner's scopes."""
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    ttl = DEFAULT_CUSTOMER_TOKEN_TTL_S if ttl_s is None else ttl_s
    if not 60 <= ttl <= MAX_CUSTOMER_TOKEN_TTL_S:
        raise ValidationFailed(f"ttlSeconds must be between 60 and {MAX_CUSTOMER_TOKEN_TTL_S}", field=["ttlSeconds"])
    wanted = sorted(set(scopes))
    if not wanted:
        raise ValidationFailed("name at least one scope", field=["scopes"])
    not_delegable = [s for s in wanted if s not in CUSTOMER_TOKEN_SCOPES]
    if not_delegable:
        raise ValidationFailed(f"scopes a customer token cannot carry: {' '.join(not_delegable)}", field=["scopes"])
    beyond = [s for s in wanted if not principal.has_scope(s)]
    if beyond:
        raise ValidationFailed(f"scopes beyond your own token: {' '.join(beyond)}", field=["scopes"])
    token, lifetime = tokens.issue_customer_token(
        client_id=principal.subject, partner_id=customer.partner_id, customer_id=customer.id, scopes=wanted, ttl_s=ttl  # type: ignore[attr-defined]
    )
    expires = datetime.fromtimestamp(datetime.now(timezone.utc).timestamp() + lifetime, tz=timezone.utc)
    return CustomerToken(token=token, expires_at=expires, scopes=wanted, customer=CustomerRecord.from_row(customer))


async def revoke_token(*, principal: Principal, tokens: TokenAuthority, token: str | None, jti: str | None) -> str:
    """Revoke one token before it expires. Partners pass the token itself (theirs only); staff may pass its jti."""
    if token:
        try:
            target = tokens.verify(token)
        except InvalidToken:
            raise NotFound("token not found (invalid or already expired)", field=["token"]) from None
        # Staff any token; a partner its own; a customer token only its own customer's (a frontend logout).
        if not sees_row(principal, partner_id=target.partner_id, customer_id=target.customer_id):
            raise NotFound("token not found (invalid or already expired)", field=["token"])
        token_id, expires = target.token_id, target.expires_at
    elif jti and is_staff(principal):
        if len(jti) > 64:
            raise ValidationFailed("jti is at most 64 characters", field=["jti"])
        token_id, expires = jti, int(datetime.now(timezone.utc).timestamp()) + 3600
    else:
        raise ValidationFailed("pass the token to revoke (bank staff may pass its jti)", field=["token"])
    assert token_id is not None and expires is not None
    await RevokedToken.get_or_create(
        jti=token_id,
        defaults={"expires_at": datetime.fromtimestamp(expires, tz=timezone.utc), "revoked_by": f"{principal.kind}:{principal.subject}"},
    )
    await announce_access_change()
    return token_id
