"""The base of every value a service hands to the API layer: a plain record, and what its audit row names."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class AuditTarget:
    """The object an audit row is about: its type, id and owning partner (None: the bank's own)."""

    object_type: str
    object_id: str
    partner_id: uuid.UUID | None


@dataclass(frozen=True, kw_only=True)
class ServiceResult:
    """A service's plain result; `audited` says whether the service wrote its audit row inside its own transaction.

    A service that takes an `AuditNote` records the audit row with its change
    (one commit); the API layer (schema.common.errors.attempt) then records no
    second one. Otherwise the API layer records it, about `audit_target()`.
    Results are dataclasses: the API layer builds its types from them and
    never sees an ORM row.
    """

    audit_type: ClassVar[str] = ""  # the object type audit rows name (e.g. "Transaction"); set by each subclass
    audited: bool = False

    def audit_target(self) -> AuditTarget | None:
        """The object the audit row names: by default this record itself (its audit_type, id and partner_id)."""
        object_id = getattr(self, "id", None)
        if object_id is None:
            return None
        return AuditTarget(self.audit_type or type(self).__name__, str(object_id), getattr(self, "partner_id", None))
