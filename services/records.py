"""The stored rows and enumerations some GraphQL types are still built from (being replaced by service records).

Transactions and entries already reach the schema as plain records
(services.ledger.records); the rows listed here are next. The schema layer
describes these objects but never queries them: it imports them from here,
so nothing in schema/ reaches into the ORM package directly.
"""

from models import AuditEvent, ApiClient, Partner, enums

__all__ = ["ApiClient", "AuditEvent", "Partner", "enums"]
