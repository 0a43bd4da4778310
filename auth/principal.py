"""Who is calling: the identity a verified token stands for."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Principal:
    kind: str  # "partner" (staff and customer tokens arrive with later issues)
    subject: str  # the OAuth client_id of a partner token
    partner_id: uuid.UUID | None
    scopes: frozenset[str] = field(default_factory=frozenset)
    token_id: str | None = None

    def has_scope(self, scope: str) -> bool:
        """Whether the token grants the scope."""
        return scope in self.scopes
