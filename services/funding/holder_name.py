"""How well an account's holder name matches its customer: the KYC legal name, else the display name."""

from __future__ import annotations

from models import Customer, KycSubmission
from models.enums import KycStatus
from services.customer_pii import open_contact
from services.pii import decrypt_value, pii_context
from services.screening.matcher import name_score

# At or above this score the holder is taken to be the customer; below it bank staff review the account.
# 0.85 accepts a missing middle name or a transliteration variant, and refuses a different person.
NAME_MATCH_THRESHOLD = 0.85


async def customer_name(customer: Customer) -> str:
    """The legal name of the customer's latest approved KYC submission, else its display name."""
    row = await KycSubmission.filter(customer_id=customer.id, status=KycStatus.APPROVED).order_by("-submitted_at").first()
    if row is None:
        return (await open_contact(customer)).display_name
    context = pii_context(KycSubmission._meta.db_table, "legal_name_enc", row.id)
    return await decrypt_value(row.legal_name_enc, context=context)


async def holder_score(customer: Customer, holder_name: str) -> float:
    """The fuzzy-match score (0 to 1) of the holder name against the customer's name."""
    return name_score(holder_name, await customer_name(customer))
