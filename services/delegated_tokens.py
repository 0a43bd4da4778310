"""Delegated customer tokens (for a partner's frontend) and token revocation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from auth.auth_methods import AUTH_METHODS
from auth.principal import Principal
from auth.tokens import InvalidToken, TokenAuthority
from models import Customer, RevokedToken
from models.enums import CustomerStatus
from services.customers import CustomerRecord
from services.errors import CustomerStateConflict, NotFound, ValidationFailed
from services.authority import is_staff
from services.outcome import AuditTarget, ServiceResult
from services.partners.environment import partner_environment
from services.scoping import get_scoped, sees_row
from services.token_liveness import announce_access_change
from services.business.members import active_member_of

MAX_CUSTOMER_TOKEN_TTL_S = 15 * 60
# How far ahead of our clock a partner's `authenticatedAt` may be (its clock may run a little fast).
AUTHENTICATED_AT_SKEW_S = 60
DEFAULT_CUSTOMER_TOKEN_TTL_S = 5 * 60
# What a frontend may ever do: read its customer's data, move its own money.
# customers:write and wallets:write let a customer's own frontend change its contact details, its own
# limits and its wallets' nicknames; onboarding, opening wallets and top-ups stay with the partner's token
# (those fields also need PartnerToken), and the services narrow a customer token to its own customer.
CUSTOMER_TOKEN_SCOPES = frozenset(
    {"customers:read", "customers:write", "wallets:read", "wallets:write", "transactions:read", "transactions:write",
     "fees:read", "kyc:read"}
)


@dataclass(frozen=True)
class CustomerAuthentication:
    """How and when the partner authenticated its customer before minting the token (checked)."""

    methods: tuple[str, ...]  # sorted CustomerAuthMethod names (auth.auth_methods.AUTH_METHODS)
    authenticated_at: datetime  # UTC, whole seconds, never after the minting


@dataclass(frozen=True, kw_only=True)
class CustomerToken(ServiceResult):
    """A minted customer token, shown once, and the customer it acts for."""

    token: str
    expires_at: datetime
    scopes: list[str]
    customer: CustomerRecord
    authentication: CustomerAuthentication | None = None
    member_id: uuid.UUID | None = None  # issue 16: the business member the token acts as, and its role
    member_role: str | None = None

    def audit_target(self) -> AuditTarget | None:
        """Minting a token is filed under the customer it acts for."""
        return self.customer.audit_target()


def check_authentication(
    methods: list[str], authenticated_at: datetime, *, ttl_s: int, now: datetime
) -> CustomerAuthentication:
    """The partner's account of how it authenticated the customer, or VALIDATION.

    At least one method, none twice; not in the future (beyond a little clock
    skew, when it counts as now) and not older than the token will live.
    """
    field = ["authentication"]
    if not methods:
        raise ValidationFailed("name at least one authentication method", field=[*field, "methods"])
    unknown = sorted({m for m in methods if m not in AUTH_METHODS})
    if unknown:
        raise ValidationFailed(f"unknown authentication method {unknown[0]!r}", field=[*field, "methods"])
    if len(set(methods)) != len(methods):
        raise ValidationFailed("an authentication method is listed twice", field=[*field, "methods"])
    at = authenticated_at if authenticated_at.tzinfo else authenticated_at.replace(tzinfo=timezone.utc)
    age_s = (now - at).total_seconds()
    if age_s < -AUTHENTICATED_AT_SKEW_S:
        raise ValidationFailed("authenticatedAt is in the future", field=[*field, "authenticatedAt"])
    if age_s > ttl_s:
        raise ValidationFailed(
            f"authenticatedAt is older than the token would live ({ttl_s} seconds): authenticate the customer again",
            field=[*field, "authenticatedAt"],
        )
    at = min(at, now).astimezone(timezone.utc).replace(microsecond=0)
    return CustomerAuthentication(methods=tuple(sorted(methods)), authenticated_at=at)


async def create_customer_token(
    *, principal: Principal, tokens: TokenAuthority, customer_id: uuid.UUID | None, scopes: list[str], ttl_s: int | None,
    auth_methods: list[str] | None = None, authenticated_at: datetime | None = None, member_id: uuid.UUID | None = None,
    member_given: bool = False,
) -> CustomerToken:
    """Mint a short-lived token limited to one of the partner's customers and a subset of the partner's scopes.

    With `auth_methods` and `authenticated_at` (how and when the partner
    authenticated the customer), the token carries them (`amr`, `auth_time`):
    what the compliance packs' strong authentication rules ask of a payment.
    """
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    if customer.status == CustomerStatus.CLOSED:
        raise CustomerStateConflict("this customer is closed: no new tokens", field=["customerId"])
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
    now = datetime.now(timezone.utc)
    authentication = None
    if auth_methods is not None or authenticated_at is not None:
        if auth_methods is None or authenticated_at is None:
            raise ValidationFailed("authentication needs both methods and authenticatedAt", field=["authentication"])
        authentication = check_authentication(auth_methods, authenticated_at, ttl_s=ttl, now=now)
    # Issue 16: a business member's token carries the member and its role (an ACTIVE member of this customer).
    member = await active_member_of(customer, member_id, field=["memberId"]) if member_given else None
    if principal.expires_at is not None:
        # Never outlives the token that minted it (whose revocation it also follows: the `mjti` claim).
        ttl = max(1, min(ttl, principal.expires_at - int(now.timestamp())))
    token, lifetime = tokens.issue_customer_token(
        client_id=principal.subject, partner_id=customer.partner_id, customer_id=customer.id, scopes=wanted, ttl_s=ttl,  # type: ignore[attr-defined]
        auth_methods=authentication.methods if authentication else (),
        auth_time=int(authentication.authenticated_at.timestamp()) if authentication else None,
        # The customer's partner's environment (the minting token's too: both were checked to match).
        environment=await partner_environment(customer.partner_id),  # type: ignore[attr-defined,arg-type]
        member_id=member.id if member is not None else None, member_role=member.role if member is not None else None,
        minted_by=principal.token_id,
    )
    expires = datetime.fromtimestamp(now.timestamp() + lifetime, tz=timezone.utc)
    return CustomerToken(
        token=token, expires_at=expires, scopes=wanted, customer=await CustomerRecord.of_row(customer), authentication=authentication,
        member_id=member.id if member is not None else None, member_role=member.role if member is not None else None,
    )


@dataclass(frozen=True, kw_only=True)
class RevokedAccessToken(ServiceResult):
    """A token revoked before it expired: its id (jti) and the partner it was issued to (None: unknown, staff by jti)."""

    jti: str
    partner_id: uuid.UUID | None

    def audit_target(self) -> AuditTarget:
        """The audit row names the token by its jti, under its partner."""
        return AuditTarget("AccessToken", self.jti, self.partner_id)


async def revoke_token(*, principal: Principal, tokens: TokenAuthority, token: str | None, jti: str | None) -> RevokedAccessToken:
    """Revoke one token before it expires. Partners pass the token itself (theirs only); staff may pass its jti."""
    if token:
        try:
            target = tokens.verify(token)
        except InvalidToken:
            raise NotFound("token not found (invalid or already expired)", field=["token"]) from None
        # Staff any token; a partner its own; a customer token only its own customer's (a frontend logout).
        if not sees_row(principal, partner_id=target.partner_id, customer_id=target.customer_id):
            raise NotFound("token not found (invalid or already expired)", field=["token"])
        token_id, expires, partner_id = target.token_id, target.expires_at, target.partner_id
    elif jti and is_staff(principal):
        if len(jti) > 64:
            raise ValidationFailed("jti is at most 64 characters", field=["jti"])
        token_id, expires, partner_id = jti, int(datetime.now(timezone.utc).timestamp()) + 3600, None
    else:
        raise ValidationFailed("pass the token to revoke (bank staff may pass its jti)", field=["token"])
    assert token_id is not None and expires is not None
    await RevokedToken.get_or_create(
        jti=token_id,
        defaults={"expires_at": datetime.fromtimestamp(expires, tz=timezone.utc), "revoked_by": f"{principal.kind}:{principal.subject}"},
    )
    await announce_access_change()
    return RevokedAccessToken(jti=token_id, partner_id=partner_id)
