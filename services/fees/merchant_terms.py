"""What a payment's merchant contributes to choosing a fee rule: the merchant, its category, partner and wallet."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MerchantTerms:
    """What selects a fee on a payment to a merchant: the merchant, its category, its partner, its settlement wallet."""

    merchant_id: uuid.UUID
    mcc: str
    partner_id: uuid.UUID
    settlement_wallet_id: uuid.UUID

    @classmethod
    def of(cls, merchant: Any) -> MerchantTerms:
        """The terms of a stored merchant."""
        return cls(merchant_id=merchant.id, mcc=merchant.mcc, partner_id=merchant.partner_id,
                   settlement_wallet_id=merchant.settlement_wallet_id)
