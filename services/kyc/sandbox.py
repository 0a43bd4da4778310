"""Magic KYC values for sandbox partners: an idNumber that decides the review at once.

Only for a sandbox partner (services.partners.environment); a live partner
sending the same values gets no special treatment (PENDING, like any other
submission). Any other idNumber from a sandbox partner stays PENDING for a
review by bank staff, flagged SANDBOX. The values are documented in the
README's Sandbox section.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from models import Customer
from services.errors import ValidationFailed
from services.kyc.records import KycSubmissionRecord
from services.kyc.review import decide_submission
from services.kyc.tiers import validate_tier
from services.partners.environment import is_sandbox_partner

SANDBOX_REVIEWER = "sandbox-auto"  # reviewed_by of a magic decision (no staff member decided it)


@dataclass(frozen=True)
class MagicDecision:
    decision: str  # APPROVE, REJECT or NEEDS_INFO (services.kyc.review.OUTCOMES)
    tier: int | None  # the tier an APPROVE grants
    reason: str


MAGIC_ID_NUMBERS: dict[str, MagicDecision] = {
    **{f"SANDBOX-APPROVE-{tier}": MagicDecision("APPROVE", tier, f"sandbox: approved at tier {tier} (magic idNumber)")
       for tier in (1, 2, 3)},
    "SANDBOX-REJECT": MagicDecision("REJECT", None, "sandbox: rejected (magic idNumber)"),
    "SANDBOX-NEEDS-INFO": MagicDecision("NEEDS_INFO", None, "sandbox: more information needed (magic idNumber)"),
}


async def magic_decision(customer: Customer, id_number: str) -> MagicDecision | None:
    """The decision a sandbox partner's magic idNumber asks for (None: a normal PENDING submission).

    Checked before anything is written: an APPROVE at a tier the customer's
    policy pack does not define is refused as VALIDATION on idNumber.
    """
    magic = MAGIC_ID_NUMBERS.get(id_number.strip().upper())
    if magic is None or not await is_sandbox_partner(customer.partner_id):  # type: ignore[attr-defined]
        return None
    if magic.tier is not None:
        try:
            await validate_tier(customer, magic.tier)
        except ValidationFailed as refusal:
            raise ValidationFailed(f"{id_number.strip()}: {refusal.message}", field=["idNumber"]) from None
    return magic


async def apply_magic_decision(submission_id: uuid.UUID, magic: MagicDecision) -> KycSubmissionRecord:
    """Decide the just-submitted submission as the magic value asks (its own transaction, after the submission's)."""
    return await decide_submission(
        submission_id=submission_id, decision=magic.decision, reason=magic.reason, tier=magic.tier,
        reviewed_by=SANDBOX_REVIEWER,
    )
