"""Who is calling: the identity a verified token stands for."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

PARTNER = "partner"
CUSTOMER = "customer"
STAFF = "staff"


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

    def has_scope(self, scope: str) -> bool:
        """Whether the token grants the scope (for staff: whether the role does)."""
        return scope in self.scopes

    @property
    def is_staff(self) -> bool:
        return self.kind == STAFF

    @property
    def is_customer(self) -> bool:
        return self.kind == CUSTOMER
