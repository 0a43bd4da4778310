"""Whose statement it is: the name printed on it (KYC legal name if approved, else display name)."""

from __future__ import annotations

from models import Customer
from services.funding.holder_name import customer_name
from services.statements.statement import StatementWallet


async def holder_name(wallet: StatementWallet) -> str:
    """The wallet customer's legal name from its latest approved KYC submission, else its display name."""
    customer = await Customer.get(id=wallet.customer_id)  # the wallet was read through the caller's scope
    return await customer_name(customer)
