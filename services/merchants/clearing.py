"""Where a merchant's payments are credited: a DEFERRED merchant's clearing account, else its settlement wallet.

Every path that pays a merchant (a scanned code, a collected payment code, a captured authorisation) asks here, so
a DEFERRED merchant's money waits in its clearing account whichever way it was paid, and its settlement
(services.merchants.settlement) moves it all to the wallet in one posting.
"""

from __future__ import annotations

from models import Merchant
from models.enums import SettlementTiming


def clearing_account(merchant: Merchant) -> int | None:
    """A DEFERRED merchant's clearing account, which its payments credit in place of its settlement wallet."""
    if merchant.settlement == SettlementTiming.DEFERRED:
        return merchant.clearing_account_id
    return None


def clearing_columns(merchant: Merchant) -> tuple[tuple[str, bool, None], ...]:
    """The payment row's `clearing` column when the payment credits the clearing account (settled later), else none."""
    return (("clearing", True, None),) if clearing_account(merchant) is not None else ()
