"""The stored records and enumerations services hand to the API layer.

The schema layer describes these objects but never queries them: it imports
them from here, so nothing in schema/ reaches into the ORM package directly.
"""

from models import AuditEvent, ApiClient, CompliancePolicy, Customer, Entry, Partner, Transaction, Wallet, enums

__all__ = ["ApiClient", "AuditEvent", "CompliancePolicy", "Customer", "Entry", "Partner", "Transaction", "Wallet", "enums"]
