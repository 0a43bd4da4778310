"""The one list of encrypted columns (PII and the JWT signing keys): what data-key rotation re-encrypts and counts."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.models import Model

from models import BankAccount, Beneficiary, Customer, InternationalTransfer, KycSubmission, SigningKey


@dataclass(frozen=True)
class PiiColumns:
    model: type[Model]
    columns: tuple[str, ...]

    @property
    def table(self) -> str:
        return self.model._meta.db_table


PII_COLUMNS: tuple[PiiColumns, ...] = (
    PiiColumns(KycSubmission, ("legal_name_enc", "date_of_birth_enc", "id_number_enc", "address_enc", "business_enc")),
    # The postal address of customerUpdate; the display name, e-mail and phone (services.customer_pii).
    PiiColumns(Customer, ("address_enc", "display_name_enc", "email_enc", "phone_enc")),
    PiiColumns(BankAccount, ("number_enc",)),  # a linked bank account's IBAN or account number
    PiiColumns(Beneficiary, ("number_enc", "address_enc")),  # a beneficiary's IBAN or account number, its address
    PiiColumns(InternationalTransfer, ("travel_rule_enc",)),  # the travel-rule record (originator and beneficiary)
    # Not PII, but a secret of the same weight: whoever reads a JWT signing key mints any token (issue 19).
    PiiColumns(SigningKey, ("private_pem",)),
)


def pii_context(table: str, column: str, row_id: object) -> str:
    """The associated data of a stored value: `table.column:row_id` (binds a ciphertext to its place)."""
    return f"{table}.{column}:{row_id}"
