"""The base of every value a mutating service returns: whether the service already wrote the audit row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, kw_only=True)
class ServiceResult:
    """A service's plain result; `audited` says whether the service wrote its audit row inside its own transaction.

    A service that takes an `AuditNote` records the audit row with its change
    (one commit); the API layer (schema.common.errors.attempt) then records no
    second one. Results are dataclasses: the API layer builds its types from
    them and never sees an ORM row.
    """

    audit_type: ClassVar[str] = ""  # the object type audit rows name (e.g. "Transaction"); set by each subclass
    audited: bool = False
