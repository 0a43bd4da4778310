"""The travel-rule record of an international transfer: who sends (originator) and who receives (beneficiary).

FATF Recommendation 16 asks the sending institution to keep, and pass on, the originator's name, account and
address (or national id) and the beneficiary's name and account. The record is stored with the transfer as one
sealed JSON document (services.pii): it holds PII, so it is never shown to partners nor put in events.
"""

from __future__ import annotations

import json
import uuid

from models import Beneficiary, Customer, InternationalTransfer
from services.funding.holder_name import customer_name
from services.pii import decrypt_value, encrypt_value, pii_context


async def _customer_address(customer: Customer) -> str | None:
    """The customer's postal address (customerUpdate), if it gave one."""
    if not customer.address_enc:
        return None
    return await decrypt_value(customer.address_enc,
                               context=pii_context(Customer._meta.db_table, "address_enc", customer.id))


async def travel_rule_document(*, customer: Customer, wallet_id: uuid.UUID, beneficiary: Beneficiary) -> dict:
    """The originator's and beneficiary's data as the travel rule asks for them (plaintext: seal before storing)."""
    table = Beneficiary._meta.db_table
    return {
        "originator": {"customerId": str(customer.id), "name": await customer_name(customer),
                       "address": await _customer_address(customer), "country": customer.country,
                       "walletId": str(wallet_id)},
        "beneficiary": {"beneficiaryId": str(beneficiary.id), "name": beneficiary.name, "country": beneficiary.country,
                        "bic": beneficiary.bic, "numberKind": beneficiary.number_kind,
                        "number": await decrypt_value(beneficiary.number_enc,
                                                      context=pii_context(table, "number_enc", beneficiary.id)),
                        "address": await decrypt_value(beneficiary.address_enc,
                                                       context=pii_context(table, "address_enc", beneficiary.id))},
    }


async def seal_travel_rule(document: dict, transfer_id: uuid.UUID) -> str:
    """The document sealed for its transfer's row (bound to that row by the encryption context)."""
    context = pii_context(InternationalTransfer._meta.db_table, "travel_rule_enc", transfer_id)
    return await encrypt_value(json.dumps(document, separators=(",", ":"), sort_keys=True), context=context)


async def open_travel_rule(transfer: InternationalTransfer) -> dict:
    """The stored record, unsealed (bank staff's investigations, a correspondent bank's request)."""
    context = pii_context(InternationalTransfer._meta.db_table, "travel_rule_enc", transfer.id)
    return json.loads(await decrypt_value(transfer.travel_rule_enc, context=context))
