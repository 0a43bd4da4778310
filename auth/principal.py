"""Who is calling: the identity a verified token stands for."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

PARTNER = "partner"
CUSTOMER = "customer"
STAFF = "staff"

# The environment a partner or customer token acts in (its `env` claim): a sandbox
# partner's tokens carry SANDBOX and are refused unless the partner is one.
LIVE = "live"
SANDBOX = "sandbox"
ENVIRONMENTS = (LIVE, SANDBOX)


@dataclass(frozen=True)
class Principal:
    kind: str  # PARTNER, CUSTOMER (a partner's delegated frontend token) or STAFF
    subject: str  # client_id (partner, customer tokens) or staff user id
    partner_id: uuid.UUID | None
    scopes: frozenset[str] = field(default_factory=frozenset)
    token_id: str | None = None
    customer_id: uuid.UUID | None = None  # set on customer tokens only
    role: str | None = None  # set on staff tokens only
    expires_at: int | None = None
    issued_at: int | None = None  # the token's iat: tokens issued before a suspension, rotation or role change die
    # Customer tokens: how and when the partner authenticated the customer (amr / auth_time; empty, None: not said).
    auth_methods: frozenset[str] = field(default_factory=frozenset)
    auth_time: int | None = None
    # Partner and customer tokens: LIVE or SANDBOX (checked against the partner at every request,
    # services.token_liveness). Staff are environment-less (None): they see both, each object flagged.
    environment: str | None = LIVE
    # Customer tokens of a BUSINESS customer's member (issue 16): which member acts and the role it had when the
    # token was minted. The services read the member's current row (services.business.members): removal takes effect.
    member_id: uuid.UUID | None = None
    member_role: str | None = None
    # Customer tokens: the jti of the partner token that minted it; revoking that token revokes this one too.
    minted_by: str | None = None

    def has_scope(self, scope: str) -> bool:
        """Whether the token grants the scope (for staff: whether the role does)."""
        return scope in self.scopes

    @property
    def is_staff(self) -> bool:
        return self.kind == STAFF

    @property
    def is_customer(self) -> bool:
        return self.kind == CUSTOMER

    @property
    def is_sandbox(self) -> bool:
        """Whether the token acts for a sandbox partner (its `env` claim)."""
        return self.environment == SANDBOX
