"""beneficiaryCreate: check the bank details, seal the number and address, screen the name against the watchlists.

A name scoring at or above the bank's screening threshold against a listed entry makes the beneficiary
NEEDS_REVIEW: nothing is paid to it until bank staff approve it (beneficiaryReview). The beneficiary itself is not
a customer, so no customer is held: the hold is on paying this beneficiary.
"""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from auth.principal import Principal
from models import Beneficiary, Customer
from models.ids import uuid7
from services.authority import is_staff
from services.beneficiaries.events import beneficiary_event
from services.beneficiaries.records import ACTIVE, NEEDS_REVIEW, BeneficiaryRecord
from services.beneficiaries.rules import check_beneficiary_account
from services.customer_status import lock_open_customer
from services.errors import Forbidden
from services.pii import encrypt_value, pii_context
from services.scoping import get_scoped
from services.screening.matcher import configured_threshold
from services.screening.watchlist import current_index
from services.validation import clean_name, clean_text

MAX_ADDRESS = 500


async def screening_score_bps(name: str, country: str) -> int:
    """The name's best watchlist score in basis points (0 when no list is loaded or nothing is near)."""
    index = await current_index()
    if not len(index):
        return 0
    found = index.best(name, country=country)
    return found.score_bps if found is not None else 0


async def create_beneficiary(
    *, principal: Principal, customer_id: uuid.UUID | None, name: str | None, country: str | None, bic: str | None,
    iban: str | None, account_number: str | None, address: str | None, currency: str | None = None,
) -> BeneficiaryRecord:
    """A new beneficiary of the customer: ACTIVE, or NEEDS_REVIEW when its name matches a watchlist entry."""
    if is_staff(principal):
        raise Forbidden("bank staff do not add customers' beneficiaries")
    cleaned_name = clean_name(name, field="name", max_len=200)
    clean_address = clean_text(address, field="address", max_len=MAX_ADDRESS)
    assert cleaned_name is not None and clean_address is not None
    customer = await get_scoped(Customer, principal, customer_id, what="customer", field=["customerId"])
    account = check_beneficiary_account(country=country, bic=bic, iban=iban, account_number=account_number,
                                        currency=currency)
    score = await screening_score_bps(cleaned_name, account.country)
    status = NEEDS_REVIEW if score >= round(configured_threshold() * 10000) else ACTIVE
    beneficiary_id = uuid7()
    table = Beneficiary._meta.db_table
    # Sealed before the transaction: the data key may be created on first use, outside the row's write.
    number_enc = await encrypt_value(account.number, context=pii_context(table, "number_enc", beneficiary_id))
    address_enc = await encrypt_value(clean_address, context=pii_context(table, "address_enc", beneficiary_id))
    async with in_transaction() as conn:
        await lock_open_customer(customer.id, field=["customerId"])  # a closed customer adds nobody
        row = await Beneficiary.create(
            id=beneficiary_id, partner_id=customer.partner_id, customer_id=customer.id,  # type: ignore[attr-defined]
            name=cleaned_name, country=account.country, currency=account.currency, bic=account.bic,
            number_kind=account.number_kind, number_enc=number_enc, last_four=account.last_four,
            address_enc=address_enc, status=status, screening_score_bps=score,
            status_reason="the name matched a watchlist entry: waits for bank staff" if status == NEEDS_REVIEW else None,
            using_db=conn,
        )
        await beneficiary_event("beneficiary.created", row, using_db=conn)
    return BeneficiaryRecord.from_row(row)
