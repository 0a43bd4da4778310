"""services.pii.registry: the one list of encrypted PII columns, and the context that binds a value to its place."""

from __future__ import annotations

from models import BankAccount, Beneficiary, Customer, InternationalTransfer, KycSubmission, SigningKey
from services.pii.registry import PII_COLUMNS, PiiColumns, pii_context


def test_the_kyc_submission_and_customer_columns_are_registered():
    assert PII_COLUMNS == (
        PiiColumns(KycSubmission, ("legal_name_enc", "date_of_birth_enc", "id_number_enc", "address_enc", "business_enc")),
        PiiColumns(Customer, ("address_enc", "display_name_enc", "email_enc", "phone_enc")),  # address, name, contact
        PiiColumns(BankAccount, ("number_enc",)),  # a linked bank account's IBAN or account number
        PiiColumns(Beneficiary, ("number_enc", "address_enc")),  # a beneficiary's IBAN or account number, its address
        PiiColumns(InternationalTransfer, ("travel_rule_enc",)),  # the travel-rule record
        PiiColumns(SigningKey, ("private_pem",)),  # the JWT signing keys (issue 19)
    )


def test_every_registered_column_is_a_field_of_its_model():
    for entry in PII_COLUMNS:
        fields = set(entry.model._meta.fields_map)
        assert set(entry.columns) <= fields, set(entry.columns) - fields
        assert all(column.endswith("_enc") for column in entry.columns) or entry.model is SigningKey


def test_the_table_is_the_models_table():
    assert PII_COLUMNS[0].table == KycSubmission._meta.db_table == "kyc_submission"


def test_the_context_names_table_column_and_row():
    assert pii_context("kyc_submission", "id_number_enc", 42) == "kyc_submission.id_number_enc:42"
    assert pii_context("t", "c", "abc") != pii_context("t", "c", "abd")
